"""Write the tray and app icons into assets/icons/ (see tray/icons.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tray.icons import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
