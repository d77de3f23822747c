"""deploy/: the Dockerfile, compose.yaml, nginx.conf and the Kubernetes
manifests parse and hold what team mode relies on (issue 20 §5). No
container runtime here: the image's install steps are checked by running
them (the requirement list, the server without the tray's packages)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import parse
from tests.support.server_process import REPO

DEPLOY = REPO / "deploy"
SYSTEM_PYTHON = "/usr/bin/python3"


def load_yaml(path: Path) -> list:
    """All documents of a YAML file, parsed by Debian's python3-yaml (the
    test venv has no YAML parser; test.sh installs python3-yaml)."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import yaml"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("python3-yaml is not installed (test.sh installs it)")
    out = subprocess.run([SYSTEM_PYTHON, "-c", "import json, sys, yaml; "
                          "print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, f"{path.name} is not valid YAML: {out.stderr}"
    return json.loads(out.stdout)


def manifests() -> dict[str, dict]:
    docs = {}
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        for doc in load_yaml(path):
            docs[doc["kind"]] = doc
    return docs


def test_kubernetes_manifests():
    docs = manifests()
    assert set(docs) == {"ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler"}
    dep = docs["Deployment"]
    pod = dep["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"] == labels
    assert dep["spec"]["replicas"] >= 2
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["spec"]["containers"]
    assert container["ports"][0] == {"name": "http", "containerPort": 3456}
    assert "--port" in container["args"] and "3456" in container["args"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    grace = next(e["value"] for e in container["env"] if e["name"] == "SWITCHBOARD_SHUTDOWN_GRACE")
    assert pod["spec"]["terminationGracePeriodSeconds"] > float(grace)
    # Every secret the pod reads exists in the Secret.
    secret_keys = set(docs["Secret"]["stringData"])
    refs = [e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e]
    assert {r["name"] for r in refs} == {docs["Secret"]["metadata"]["name"]}
    assert {r["key"] for r in refs} <= secret_keys
    env_names = {e["name"] for e in container["env"]}
    assert {"SWITCHBOARD_REDIS_URL", "SWITCHBOARD_API_KEY", "SWITCHBOARD_KEY_SECRET",
            "SWITCHBOARD_METRICS_TOKEN", "SWITCHBOARD_CONFIG"} <= env_names
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert volumes["config"]["configMap"]["name"] == docs["ConfigMap"]["metadata"]["name"]
    config_path = next(e["value"] for e in container["env"] if e["name"] == "SWITCHBOARD_CONFIG")
    assert config_path == mounts["config"] + "/switchboard.json"
    # The config parses, and its file: keys are where the Secret is mounted.
    config = parse(json.loads(docs["ConfigMap"]["data"]["switchboard.json"]))
    for provider in config.providers.values():
        if provider.api_key.startswith("file:"):
            path = Path(provider.api_key[5:])
            assert str(path.parent) == mounts["provider-keys"]
            items = volumes["provider-keys"]["secret"]["items"]
            assert path.name in {i["path"] for i in items} and {i["key"] for i in items} <= secret_keys
        elif provider.api_key.startswith("env:"):
            assert provider.api_key[4:] in env_names
    svc = docs["Service"]
    assert svc["spec"]["selector"] == labels and svc["spec"]["ports"][0]["targetPort"] == "http"
    hpa = docs["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": dep["metadata"]["name"]}
    assert hpa["spec"]["minReplicas"] >= 2


def test_compose_runs_two_replicas_redis_and_nginx():
    (compose,) = load_yaml(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert {"redis", "nginx", "switchboard1", "switchboard2"} <= set(services)
    for name in ("switchboard1", "switchboard2"):
        svc = services[name]
        assert svc["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert svc["environment"]["SWITCHBOARD_REDIS_URL"] == "redis://redis:6379/0"
        assert svc["environment"]["SWITCHBOARD_REQUEST_ID_HEADER"] == "x-request-id"
        config_mount = next(v for v in svc["volumes"] if v.endswith(":/etc/switchboard/switchboard.json:ro"))
        parse(json.loads((DEPLOY / config_mount.split(":")[0]).read_text()))
    nginx_conf = next(v for v in services["nginx"]["volumes"] if "nginx.conf" in v).split(":")[0]
    conf = (DEPLOY / nginx_conf).read_text()
    assert "server switchboard1:3456" in conf and "server switchboard2:3456" in conf
    assert "X-Request-Id $request_id" in conf and "proxy_buffering off" in conf


def test_the_nginx_config_is_valid_for_nginx(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (test.sh installs it)")
    # The compose service names do not resolve here: check with loopback instead.
    conf = re.sub(r"switchboard\d:3456", "127.0.0.1:3456", (DEPLOY / "nginx.conf").read_text())
    (tmp_path / "nginx.conf").write_text(conf)
    out = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path), "-e", "stderr",
                          "-g", f"pid {tmp_path}/nginx.pid;"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_the_dockerfile_is_slim_non_root_and_installs_the_server_requirements():
    text = (DEPLOY / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", text, re.M)
    assert bases and all(b.endswith("-slim") for b in bases)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert "apt-get" not in text  # no system (GUI) packages
    assert "deploy/server_requirements.py" in text and "-r /tmp/requirements-server.txt" in text
    assert "COPY server " in text and "COPY assets " in text
    assert re.search(r'^ENTRYPOINT \["python", "-m", "server"\]', text, re.M)
    reqs = subprocess.run([sys.executable, str(DEPLOY / "server_requirements.py")], capture_output=True,
                          text=True, check=True).stdout.split("\n")
    names = {re.split(r"[<>=!~; ]", r, maxsplit=1)[0].lower() for r in reqs if r}
    assert not names & {"pystray", "pillow", "pygobject"}
    assert {"quart", "hypercorn", "redis", "prometheus_client"} <= names


def test_the_server_runs_without_the_tray_packages(tmp_path):
    """What the image installs is enough: the app, team mode, metrics and
    token counting start with pystray, PIL and gi made unimportable."""
    script = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('pystray', 'PIL', 'gi', 'tray'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
from pathlib import Path
from server.settings import Settings
from server.app import create_app
import server.__main__, server.shared.state, server.shared.store, server.shared.cli, server.metrics
from server import tokens
home = Path({str(tmp_path)!r})
app = create_app(Settings(home=home, config_path=home / 'switchboard.json', log_dir=home / 'logs',
                          metrics_token='t', redis_url='redis://127.0.0.1:1/0'))
assert tokens.count_request({{'messages': [{{'role': 'user', 'content': 'hello there'}}]}}) > 0
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
