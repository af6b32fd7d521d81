#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# check_manifest: parses examples/kubernetes/*.yaml and asserts the securityContext facts the
# README promises, and that they fit Dockerfile.example's ENTRYPOINT. No cluster is reachable
# here, so this is the test: a YAML parser, not kubectl. Exit 0 pass, 1 fail, 77 skip.
import json
import pathlib
import re
import sys

try:
    import yaml  # Debian's python3-yaml; scripts/test-k8s-manifest.sh installs it
except ImportError:
    print("check_manifest: SKIP: python3-yaml is not installed", file=sys.stderr)
    sys.exit(77)

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parents[2])
MINIMAL_CAPS = {"SETUID", "SETGID", "CHOWN", "NET_BIND_SERVICE"}
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def entrypoint_args():
    """The exec-form ENTRYPOINT of Dockerfile.example, as a list."""
    text = (ROOT / "Dockerfile.example").read_text()
    lines = [l for l in text.splitlines() if l.startswith("ENTRYPOINT ")]
    check(len(lines) == 1, "Dockerfile.example has exactly one ENTRYPOINT")
    return json.loads(lines[-1][len("ENTRYPOINT "):]) if lines else []


def caps_the_entrypoint_needs(args):
    """What unroot uses while root, derived from the options, not copied from the manifest."""
    need = {"SETUID", "SETGID"}
    ports = []
    for i, a in enumerate(args):
        value = args[i + 1] if i + 1 < len(args) else ""
        if a in ("--chown", "-c"):
            need.add("CHOWN")
        if a in ("--listen", "-l"):
            m = re.search(r"(\d+)$", value.split("=", 1)[-1])
            if m:
                ports.append(int(m.group(1)))
                if int(m.group(1)) < 1024:
                    need.add("NET_BIND_SERVICE")
    return need, ports


docs = []
for path in sorted((ROOT / "examples" / "kubernetes").glob("*.yaml")):
    docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
deployments = [d for d in docs if d.get("kind") == "Deployment"]
check(len(deployments) == 1, "examples/kubernetes has one Deployment")
args = entrypoint_args()
need, ports = caps_the_entrypoint_needs(args)
check(need == MINIMAL_CAPS, f"the ENTRYPOINT needs exactly {sorted(MINIMAL_CAPS)}: {sorted(need)}")

for dep in deployments:
    pod = dep["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext") or {}
    check(pod_sc.get("runAsNonRoot") is not True,
          "pod does not set runAsNonRoot (the entrypoint must start as root)")
    check(pod_sc.get("runAsUser", 0) == 0, "pod-level runAsUser is unset or 0")
    containers = pod.get("containers", [])
    check(len(containers) >= 1, "the Deployment has a container")
    for c in containers:
        name = c.get("name", "?")
        sc = c.get("securityContext") or {}
        caps = sc.get("capabilities") or {}
        check(sc.get("runAsUser") == 0, f"{name}: runAsUser 0 (unroot starts as root)")
        check(sc.get("runAsNonRoot") is not True, f"{name}: runAsNonRoot is not set")
        check(sc.get("allowPrivilegeEscalation") is False,
              f"{name}: allowPrivilegeEscalation false (no_new_privs from the runtime as well)")
        check(sc.get("privileged") in (None, False), f"{name}: not privileged")
        check(caps.get("drop") == ["ALL"], f"{name}: capabilities.drop is exactly [ALL]")
        added = caps.get("add") or []
        check(len(added) == len(set(added)), f"{name}: no capability added twice")
        check(set(added) == need,
              f"{name}: capabilities.add {sorted(added)} == what the ENTRYPOINT needs")
        check(not any(a.startswith("CAP_") for a in added),
              f"{name}: capability names without CAP_ prefix (Kubernetes' spelling)")
        check(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem")
        container_ports = {p.get("containerPort") for p in c.get("ports", [])}
        for port in ports:
            check(port in container_ports, f"{name}: containerPort {port} matches --listen")
        mounts = {m.get("mountPath") for m in c.get("volumeMounts", [])}
        for i, a in enumerate(args):
            if a in ("--chown", "-c") and i + 1 < len(args):
                check(args[i + 1] in mounts, f"{name}: a volume is mounted at {args[i + 1]}")

if failures:
    print(f"check_manifest: {len(failures)} failed", file=sys.stderr)
    sys.exit(1)
print("check_manifest: all securityContext facts hold")
