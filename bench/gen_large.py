"""Generate a large multi-namespace input for the cross-object scaling benchmark.

Each namespace holds an application of several components; each component has a Deployment,
a Service (named targetPort), a NetworkPolicy (with a peer), a PodDisruptionBudget, an HPA and
an Ingress path, plus a namespace-wide default-deny policy, so that every cross-object rule has
real work to do: label selection, name lookups and HPA targets. Some references are broken on
purpose (a typo every 7th component) so that findings are produced too.

    python bench/gen_large.py OUT_DIR --namespaces 200 --components 16

writes one file per namespace (OUT_DIR/ns-0000.yaml …) and prints the object count.
"""

from __future__ import annotations

import argparse
from pathlib import Path

OBJECTS_PER_COMPONENT = 5  # Deployment, Service, NetworkPolicy, PDB, HPA
OBJECTS_PER_NAMESPACE = 2  # default-deny NetworkPolicy, Ingress


def component(ns: str, i: int) -> str:
    name = f"svc-{i:03d}"
    peer = f"svc-{(i + 1):03d}"
    typo = i % 7 == 3
    selector_app = f"{name}x" if typo else name
    replicas = 1 + i % 4
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels: {{app: {name}, tier: backend}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, tier: backend, track: stable}}
    spec:
      containers:
        - name: app
          image: registry.example.com/{name}:1.{i}
          ports: [{{name: http, containerPort: 8080}}]
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector: {{app: {selector_app}}}
  ports:
    - {{name: http, port: 80, targetPort: {"web" if i % 11 == 5 else "http"}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
  podSelector:
    matchLabels: {{app: {name}}}
    matchExpressions: [{{key: track, operator: In, values: [stable]}}]
  ingress:
    - from: [{{podSelector: {{matchLabels: {{app: {peer}}}}}}}]
      ports: [{{port: 8080}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
  namespace: {ns}
spec:
  minAvailable: {replicas if i % 5 == 0 else 1}
  selector:
    matchLabels: {{app: {selector_app}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: {ns}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {selector_app}}}
  minReplicas: 2
  maxReplicas: 10
"""


def namespace(ns: str, components: int) -> str:
    paths = "".join(
        f"""
          - path: /c{i}
            pathType: Prefix
            backend:
              service: {{name: svc-{i:03d}, port: {{name: http}}}}"""
        for i in range(components)
    )
    head = f"""---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {ns}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {ns}
  namespace: {ns}
spec:
  rules:
    - host: {ns}.example.com
      http:
        paths:{paths}
"""
    return head + "".join(component(ns, i) for i in range(components))


def generate(out: Path, namespaces: int, components: int) -> int:
    """Write the input under ``out``; returns the number of objects written."""
    out.mkdir(parents=True, exist_ok=True)
    for n in range(namespaces):
        ns = f"ns-{n:04d}"
        (out / f"{ns}.yaml").write_text(namespace(ns, components), encoding="utf-8")
    return namespaces * (components * OBJECTS_PER_COMPONENT + OBJECTS_PER_NAMESPACE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--namespaces", type=int, default=200)
    parser.add_argument("--components", type=int, default=20, help="components per namespace")
    args = parser.parse_args(argv)
    count = generate(args.out, args.namespaces, args.components)
    print(f"{count} objects in {args.namespaces} namespaces -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
