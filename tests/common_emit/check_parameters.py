"""Checks deployment parameter files against the deploymentParameters schema in the validators' schemas
folder, offline (the schema refers to the deployment template schema by URL: served locally).
Usage: check_parameters.py SCHEMAS_DIR FILE..."""
import json, sys
from pathlib import Path
import jsonschema
from referencing import Registry, Resource
schemas = Path(sys.argv[1])
params = json.loads((schemas / "2019-04-01/deploymentParameters.json").read_text())
template = json.loads((schemas / "2019-04-01/deploymentTemplate.json").read_text())
registry = Registry().with_resources([
    ("https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json", Resource.from_contents(params)),
    ("https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json", Resource.from_contents(template)),
])
validator = jsonschema.Draft4Validator(params, registry=registry)
failed = False
for f in sys.argv[2:]:
    for e in validator.iter_errors(json.loads(Path(f).read_text())):
        failed = True
        print(f"{f}: {e.json_path}: {e.message}")
print("checked", len(sys.argv) - 2, "file(s)")
sys.exit(1 if failed else 0)
