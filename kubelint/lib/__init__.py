"""Domain libraries: Kubernetes knowledge that is not a pipeline stage.

Image references (images), label syntax and selectors (labels), quantities (quantity), RBAC
grant matching (rbac) and the Kubernetes OpenAPI/CRD schemas (schemas). Checks and stages import
them; they import nothing from the pipeline.
"""
