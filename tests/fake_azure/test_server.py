#!/usr/bin/env python3
"""Self-test of the fake Azure server: `python3 tests/fake_azure/test_server.py`.

Starts server.py once (HTTPS with a throw-away CA made by openssl, as tests/support/certs.rs
does) and talks to it with http.client over one kept-alive connection. Standard library only.
Each test uses its own deployment and resource names, since the server keeps its state.
"""

import base64
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
SUB = "11111111-1111-1111-1111-111111111111"
TENANT = "00000000-0000-0000-0000-0000000000aa"
CLIENT_ID = "sblc-test-client"
SECRET = "sblc-test-secret"
OBJECT_ID = "00000000-0000-0000-0000-0000000000bb"
API = "2024-03-01"
SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-9ab3-0f7017aaa0fc"
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"


def make_certs(d):
    """ca.pem, leaf.pem, leaf.key in d, with the openssl commands of tests/support/certs.rs."""
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        f.write("basicConstraints = critical, CA:FALSE\n"
                "keyUsage = critical, digitalSignature, keyEncipherment\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost\n")
    for args in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=sblc test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
         "leaf.pem", "-days", "2", "-extfile", "leaf.ext"],
    ):
        subprocess.run(["openssl"] + args, cwd=d, check=True, capture_output=True)


def jwt_claims(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def storage(name, key_source="Microsoft.Storage"):
    return {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": name,
            "location": "[parameters('location')]", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
            "properties": {"minimumTlsVersion": "TLS1_2", "allowSharedKeyAccess": False,
                           "encryption": {"keySource": key_source, "services": {"blob": {"enabled": True}}}}}


def identity(name):
    return {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": name,
            "location": "[parameters('location')]"}


def role_assignment(storage_name, identity_name):
    return {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
            "scope": f"Microsoft.Storage/storageAccounts/{storage_name}",
            "name": f"[guid(resourceId('Microsoft.Storage/storageAccounts', '{storage_name}'), "
                    f"resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{identity_name}'), '{BLOB_READER}')]",
            "properties": {
                "roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{BLOB_READER}')]",
                "principalId": f"[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', "
                               f"'{identity_name}'), '2023-01-31').principalId]",
                "principalType": "ServicePrincipal"},
            "dependsOn": [f"[resourceId('Microsoft.Storage/storageAccounts', '{storage_name}')]",
                          f"[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', '{identity_name}')]"]}


def sub_template(rg, resources):
    """A subscription template as sblc emits them: a resource group and one inner-scoped nested
    deployment holding `resources`."""
    inner = {"$schema": RG_SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"location": {"type": "string"}},
             "resources": resources,
             "outputs": {"firstId": {"type": "string",
                                     "value": f"[resourceId('{resources[0]['type']}', '{resources[0]['name']}')]"}}}
    return {"$schema": SUB_SCHEMA, "contentVersion": "1.0.0.0",
            "parameters": {"location": {"type": "string", "defaultValue": "westeurope"}},
            "resources": [
                {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2024-03-01", "name": rg,
                 "location": "[parameters('location')]"},
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2024-03-01", "name": f"{rg}-unit",
                 "resourceGroup": rg,
                 "dependsOn": [f"[subscriptionResourceId('Microsoft.Resources/resourceGroups', '{rg}')]"],
                 "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                                "parameters": {"location": {"value": "[parameters('location')]"}},
                                "template": inner}},
            ],
            "outputs": {"group": {"type": "string", "value": rg},
                        "groupId": {"type": "string",
                                    "value": f"[subscriptionResourceId('Microsoft.Resources/resourceGroups', '{rg}')]"}}}


def deployment_body(template, location="westeurope", **props):
    body = {"location": location, "properties": {"mode": "Incremental", "template": template, "parameters": {}}}
    body["properties"].update(props)
    return body


def dep_path(name, rg=None):
    scope = f"/subscriptions/{SUB}" + (f"/resourceGroups/{rg}" if rg else "")
    return f"{scope}/providers/Microsoft.Resources/deployments/{name}"


class FakeAzureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fake-azure-test-")
        make_certs(cls.dir)
        cls.scenario_path = os.path.join(cls.dir, "scenario.json")
        cls.log_path = os.path.join(cls.dir, "requests.jsonl")
        cls.generation = 0
        cls.write_scenario({})
        cls.stderr = open(os.path.join(cls.dir, "server.stderr"), "w")
        cls.proc = subprocess.Popen(
            [sys.executable, SERVER, "--cert", os.path.join(cls.dir, "leaf.pem"), "--key",
             os.path.join(cls.dir, "leaf.key"), "--scenario", cls.scenario_path, "--log", cls.log_path,
             "--port", "0", "--exit-with-stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=cls.stderr, text=True)
        line = cls.proc.stdout.readline()
        m = re.fullmatch(r"READY (\d+)\n", line)
        if not m:
            raise RuntimeError(f"server did not start: {line!r}")
        cls.port = int(m.group(1))
        cls.ssl = ssl.create_default_context(cafile=os.path.join(cls.dir, "ca.pem"))
        cls.conn = http.client.HTTPSConnection("127.0.0.1", cls.port, context=cls.ssl)
        status, _, body = cls.request_raw("POST", f"/{TENANT}/oauth2/v2.0/token", form={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
            "scope": "https://management.azure.com/.default"})
        assert status == 200, body
        cls.token = body["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()
        cls.proc.kill()
        cls.proc.wait()
        cls.stderr.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    # -- helpers

    @classmethod
    def write_scenario(cls, data):
        """Writes the scenario through a rename, so the server sees a new file even within the
        same mtime tick."""
        cls.generation += 1
        tmp = cls.scenario_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(dict(data, comment=f"generation {cls.generation}"), f)
        os.replace(tmp, cls.scenario_path)

    def scenario(self, **data):
        self.write_scenario(data)

    @classmethod
    def request_raw(cls, method, path, body=None, headers=None, form=None):
        headers = dict(headers or {})
        data = None
        if form is not None:
            data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        cls.conn.request(method, path, body=data, headers=headers)
        resp = cls.conn.getresponse()
        raw = resp.read()
        return resp.status, resp, (json.loads(raw) if raw else None)

    def arm(self, method, path, body=None, token=True, api=API, headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {self.token if token is True else token}"
        if api and "?" not in path:
            path += f"?api-version={api}"
        return self.request_raw(method, path, body=body, headers=headers)

    def follow(self, url):
        """GETs an absolute URL the server handed out (status or Location URL)."""
        self.assertTrue(url.startswith(f"https://127.0.0.1:{self.port}/"), url)
        return self.arm("GET", url[len(f"https://127.0.0.1:{self.port}"):])

    def deploy(self, name, template, rg=None, polls=10, **props):
        """PUTs a deployment and polls its Azure-AsyncOperation URL until it is terminal."""
        status, resp, body = self.arm("PUT", dep_path(name, rg), deployment_body(template, **props))
        self.assertEqual(status, 201, body)
        url = resp.getheader("Azure-AsyncOperation")
        for _ in range(polls):
            status, _, result = self.follow(url)
            self.assertEqual(status, 200, result)
            if result["status"] != "Running":
                return result
        self.fail("the deployment did not finish")

    def operations(self, name, rg=None):
        status, _, body = self.arm("GET", dep_path(name, rg) + "/operations")
        self.assertEqual(status, 200, body)
        return body["value"]

    def what_if(self, name, template, rg=None):
        status, resp, body = self.arm("POST", dep_path(name, rg) + "/whatIf",
                                      deployment_body(template, whatIfSettings={"resultFormat": "FullResourcePayloads"}))
        self.assertEqual(status, 202, body)
        self.assertIsNotNone(resp.getheader("Retry-After"))
        url = resp.getheader("Location")
        for _ in range(10):
            status, _, result = self.follow(url)
            if status == 200:
                return {c["resourceId"]: c for c in result["properties"]["changes"]}
            self.assertEqual(status, 202)
        self.fail("the what-if did not finish")

    # -- Entra ID

    def test_token_carries_the_claims_of_the_principal(self):
        claims = jwt_claims(self.token)
        self.assertEqual(claims["aud"], "https://management.azure.com")
        self.assertEqual(claims["tid"], TENANT)
        self.assertEqual(claims["oid"], OBJECT_ID)
        self.assertEqual(claims["appid"], CLIENT_ID)
        self.assertLessEqual(claims["nbf"], time.time() + 1)
        self.assertGreater(claims["exp"], time.time() + 3000)

    def test_token_with_a_wrong_secret_is_refused_as_entra_does(self):
        status, _, body = self.request_raw("POST", f"/{TENANT}/oauth2/v2.0/token", form={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "wrong",
            "scope": "https://management.azure.com/.default"})
        self.assertEqual(status, 401)
        self.assertEqual(body["error"], "invalid_client")
        self.assertEqual(body["error_codes"], [7000215])
        self.assertTrue(body["error_description"].startswith("AADSTS7000215: Invalid client secret provided."))
        for key in ("timestamp", "trace_id", "correlation_id"):
            self.assertIn(key, body)

    def test_token_for_an_unknown_client_is_refused(self):
        status, _, body = self.request_raw("POST", f"/{TENANT}/oauth2/v2.0/token", form={
            "grant_type": "client_credentials", "client_id": "someone-else", "client_secret": SECRET,
            "scope": "https://management.azure.com/.default"})
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], "unauthorized_client")
        self.assertEqual(body["error_codes"], [700016])

    def test_discovery_documents_point_back_at_the_server(self):
        status, _, body = self.request_raw("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration")
        self.assertEqual(status, 200)
        self.assertEqual(body["token_endpoint"], f"https://127.0.0.1:{self.port}/{TENANT}/oauth2/v2.0/token")
        status, _, body = self.request_raw("GET", "/common/discovery/instance?api-version=1.1")
        self.assertEqual(status, 200)
        self.assertIn(f"127.0.0.1:{self.port}", body["metadata"][0]["aliases"])

    def test_managed_identity_endpoint_needs_its_header_and_serves_plain_http(self):
        path = "/msi/token?resource=https://management.azure.com&api-version=2019-08-01"
        status, _, body = self.request_raw("GET", path)
        self.assertEqual(status, 401)
        status, _, body = self.request_raw("GET", path, headers={"X-IDENTITY-HEADER": "sblc-test-header"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertTrue(body["expires_on"].isdigit())
        status, _, sub = self.arm("GET", f"/subscriptions/{SUB}", token=body["access_token"])
        self.assertEqual(status, 200, sub)
        plain = http.client.HTTPConnection("127.0.0.1", self.port)
        plain.request("GET", path, headers={"X-IDENTITY-HEADER": "sblc-test-header"})
        self.assertEqual(plain.getresponse().status, 200)
        plain.close()
        plain = http.client.HTTPConnection("127.0.0.1", self.port)
        plain.request("GET", f"/subscriptions/{SUB}?api-version={API}")
        self.assertEqual(plain.getresponse().status, 400)
        plain.close()

    # -- ARM: authentication and request checks

    def test_arm_without_a_bearer_token_is_401(self):
        status, resp, body = self.arm("GET", dep_path("nothing"), token=False)
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "AuthenticationFailed")
        self.assertIn("WWW-Authenticate", resp.headers)
        self.assertIsNotNone(resp.getheader("x-ms-request-id"))
        self.assertIsNotNone(resp.getheader("x-ms-correlation-request-id"))
        status, _, body = self.arm("GET", dep_path("nothing"), token="not.a.token")
        self.assertEqual(status, 401)
        self.assertEqual(body["error"]["code"], "InvalidAuthenticationToken")

    def test_arm_without_api_version_is_400(self):
        status, _, body = self.arm("GET", dep_path("nothing"), api=None)
        self.assertEqual(status, 400)
        self.assertEqual(body["error"]["code"], "MissingApiVersionParameter")

    def test_unknown_deployment_and_resource_are_404_with_arm_errors(self):
        status, _, body = self.arm("GET", dep_path("never-deployed"))
        self.assertEqual((status, body["error"]["code"]), (404, "DeploymentNotFound"))
        status, _, body = self.arm("GET", f"/subscriptions/{SUB}/resourceGroups/rg-nowhere")
        self.assertEqual((status, body["error"]["code"]), (404, "ResourceGroupNotFound"))

    def test_invalid_deployments_are_refused_before_they_start(self):
        template = sub_template("rg-invalid", [identity("id-invalid")])
        status, _, body = self.arm("PUT", dep_path("no-location"), {"properties": {"mode": "Incremental",
                                                                                 "template": template}})
        self.assertEqual((status, body["error"]["code"]), (400, "InvalidDeployment"))
        status, _, body = self.arm("PUT", dep_path("no-resources"), deployment_body({"$schema": SUB_SCHEMA}))
        self.assertEqual((status, body["error"]["code"]), (400, "InvalidTemplate"))
        needs = dict(template, parameters={"location": {"type": "string"}})
        status, _, body = self.arm("PUT", dep_path("no-parameter"), deployment_body(needs))
        self.assertEqual((status, body["error"]["code"]), (400, "InvalidTemplate"))
        self.assertIn("'location'", body["error"]["message"])
        status, _, body = self.arm("PUT", dep_path("no-group", "rg-absent"),
                                   deployment_body({"$schema": RG_SCHEMA, "resources": []}))
        self.assertEqual((status, body["error"]["code"]), (404, "ResourceGroupNotFound"))

    # -- ARM: deployments

    def test_deployment_runs_through_polls_and_reports_operations(self):
        self.scenario(pollsUntilDone=2, retryAfter=0)
        template = sub_template("rg-life", [storage("stlife"), identity("id-life")])
        status, resp, body = self.arm("PUT", dep_path("life"), deployment_body(template))
        self.assertEqual(status, 201, body)
        self.assertEqual(body["properties"]["provisioningState"], "Accepted")
        self.assertEqual(resp.getheader("Retry-After"), "0")
        url = resp.getheader("Azure-AsyncOperation")
        self.assertRegex(url, rf"^https://127\.0\.0\.1:{self.port}/subscriptions/{SUB}/providers/Microsoft\.Resources/"
                              r"deployments/life/operationStatuses/\d+\?api-version=2024-03-01$")
        self.assertEqual(self.follow(url)[2], {"status": "Running"})
        nested_ops = self.operations("rg-life-unit", "rg-life")
        states = sorted(o["properties"]["provisioningState"] for o in nested_ops)
        self.assertIn("Running", states)             # part of the way there
        self.assertEqual(self.follow(url)[2], {"status": "Running"})
        self.assertEqual(self.follow(url)[2], {"status": "Succeeded"})
        status, _, d = self.arm("GET", dep_path("life"))
        props = d["properties"]
        self.assertEqual(props["provisioningState"], "Succeeded")
        self.assertEqual(props["outputs"]["group"], {"type": "String", "value": "rg-life"})
        self.assertEqual(props["outputs"]["groupId"]["value"], f"/subscriptions/{SUB}/resourceGroups/rg-life")
        storage_id = f"/subscriptions/{SUB}/resourceGroups/rg-life/providers/Microsoft.Storage/storageAccounts/stlife"
        self.assertIn({"id": storage_id}, props["outputResources"])
        self.assertTrue(props["duration"].startswith("PT"))
        ops = self.operations("life")
        targets = [o["properties"].get("targetResource", {}).get("resourceType") for o in ops]
        self.assertEqual(targets[:2], ["Microsoft.Resources/resourceGroups", "Microsoft.Resources/deployments"])
        self.assertTrue(all(o["properties"]["provisioningState"] == "Succeeded" for o in ops))
        self.assertEqual(ops[-1]["properties"]["provisioningOperation"], "EvaluateDeploymentOutput")
        # the nested deployment is a deployment of its own, listed also on the short path
        status, _, nested = self.arm("GET", dep_path("rg-life-unit", "rg-life"))
        self.assertEqual(nested["properties"]["outputs"]["firstId"]["value"], storage_id)
        status, _, short = self.arm("GET", f"/subscriptions/{SUB}/resourcegroups/rg-life/deployments/rg-life-unit/operations")
        self.assertEqual(status, 200)
        self.assertEqual({o["properties"]["targetResource"]["resourceName"] for o in short["value"]
                          if "targetResource" in o["properties"]}, {"stlife", "id-life"})
        self.assertTrue(all(o["properties"]["statusCode"] == "Created" for o in short["value"]
                            if "targetResource" in o["properties"]))
        status, _, res = self.arm("GET", storage_id)
        self.assertEqual(status, 200, res)
        self.assertEqual((res["location"], res["properties"]["minimumTlsVersion"]), ("westeurope", "TLS1_2"))
        status, _, group = self.arm("GET", f"/subscriptions/{SUB}/resourcegroups/RG-LIFE")
        self.assertEqual((status, group["location"]), (200, "westeurope"))

    def test_failure_inside_a_nested_deployment(self):
        self.scenario(failures=[{"resourceName": "stbroken", "code": "StorageAccountAlreadyTaken",
                                 "message": "The storage account named stbroken is already taken.",
                                 "statusCode": "Conflict"}])
        template = sub_template("rg-fail", [storage("stbroken"), identity("id-fail")])
        result = self.deploy("fails", template)
        self.assertEqual(result["status"], "Failed")
        err = result["error"]
        self.assertEqual(err["code"], "DeploymentFailed")
        nested_id = dep_path("rg-fail-unit", "rg-fail")
        self.assertEqual((err["details"][0]["code"], err["details"][0]["target"]), ("ResourceDeploymentFailure", nested_id))
        top_ops = {o["properties"]["targetResource"]["resourceType"]: o["properties"] for o in self.operations("fails")
                   if "targetResource" in o["properties"]}
        nested_op = top_ops["Microsoft.Resources/deployments"]
        self.assertEqual(nested_op["provisioningState"], "Failed")
        self.assertEqual(nested_op["statusMessage"]["error"]["code"], "ResourceDeploymentFailure")
        self.assertEqual(nested_op["statusMessage"]["error"]["details"][0]["code"], "DeploymentFailed")
        self.assertEqual(top_ops["Microsoft.Resources/resourceGroups"]["provisioningState"], "Succeeded")
        inner = {o["properties"]["targetResource"]["resourceName"]: o["properties"]
                 for o in self.operations("rg-fail-unit", "rg-fail")}
        self.assertEqual(inner["stbroken"]["provisioningState"], "Failed")
        self.assertEqual(inner["stbroken"]["statusCode"], "Conflict")
        self.assertEqual(inner["stbroken"]["statusMessage"],
                         {"status": "Failed", "error": {"code": "StorageAccountAlreadyTaken",
                                                        "message": "The storage account named stbroken is already taken."}})
        self.assertEqual(inner["id-fail"]["provisioningState"], "Succeeded")
        status, _, d = self.arm("GET", dep_path("fails"))
        self.assertEqual(d["properties"]["provisioningState"], "Failed")
        self.assertEqual(d["properties"]["error"]["code"], "DeploymentFailed")
        status, _, body = self.arm("GET", f"/subscriptions/{SUB}/resourceGroups/rg-fail/providers/"
                                          "Microsoft.Storage/storageAccounts/stbroken")
        self.assertEqual((status, body["error"]["code"]), (404, "ResourceNotFound"))

    def test_cancel_a_running_deployment(self):
        self.scenario(slowDeployment=True, pollsUntilDone=1)
        template = sub_template("rg-cancel", [storage("stcancel"), identity("id-cancel")])
        status, resp, body = self.arm("PUT", dep_path("slow"), deployment_body(template))
        self.assertEqual(status, 201, body)
        url = resp.getheader("Azure-AsyncOperation")
        for _ in range(4):
            self.assertEqual(self.follow(url)[2], {"status": "Running"})
        status, _, body = self.arm("PUT", dep_path("slow"), deployment_body(template))
        self.assertEqual((status, body["error"]["code"]), (409, "DeploymentActive"))
        status, _, body = self.arm("POST", dep_path("slow") + "/cancel")
        self.assertEqual((status, body), (204, None))
        self.assertEqual(self.follow(url)[2], {"status": "Canceled"})
        status, _, d = self.arm("GET", dep_path("slow"))
        self.assertEqual(d["properties"]["provisioningState"], "Canceled")
        status, _, body = self.arm("POST", dep_path("slow") + "/cancel")
        self.assertEqual((status, body["error"]["code"]), (409, "DeploymentCannotBeCancelled"))

    # -- ARM: what-if

    def test_what_if_create_then_no_change_then_modify(self):
        self.scenario(existing=[{"id": f"/subscriptions/{SUB}/resourceGroups/rg-wi/providers/Microsoft.Network/"
                                       "virtualNetworks/vnet-by-hand", "location": "westeurope",
                                 "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}])
        storage_id = f"/subscriptions/{SUB}/resourceGroups/rg-wi/providers/Microsoft.Storage/storageAccounts/stwi"
        template = sub_template("rg-wi", [storage("stwi"), identity("id-wi")])
        changes = self.what_if("wi", template)
        self.assertEqual(changes[storage_id]["changeType"], "Create")
        self.assertEqual(changes[storage_id]["after"]["location"], "westeurope")
        self.assertEqual(changes[f"/subscriptions/{SUB}/resourceGroups/rg-wi"]["changeType"], "NoChange")
        self.assertEqual(changes[f"/subscriptions/{SUB}/resourceGroups/rg-wi/providers/Microsoft.Network/"
                                 "virtualNetworks/vnet-by-hand"]["changeType"], "Ignore")
        self.assertEqual(self.deploy("wi", template)["status"], "Succeeded")
        changes = self.what_if("wi", template)
        self.assertEqual({c["changeType"] for rid, c in changes.items() if "vnet-by-hand" not in rid}, {"NoChange"})
        changed = sub_template("rg-wi", [storage("stwi", key_source="Microsoft.Keyvault"), identity("id-wi")])
        change = self.what_if("wi", changed)[storage_id]
        self.assertEqual(change["changeType"], "Modify")
        self.assertEqual(change["delta"], [{"path": "properties.encryption.keySource", "propertyChangeType": "Modify",
                                            "before": "Microsoft.Storage", "after": "Microsoft.Keyvault"}])

    def test_what_if_polls_follow_the_scenario(self):
        self.scenario(pollsUntilDone=2, retryAfter=3)
        status, resp, _ = self.arm("POST", dep_path("wi-polls") + "/whatIf",
                                   deployment_body(sub_template("rg-wip", [identity("id-wip")])))
        self.assertEqual((status, resp.getheader("Retry-After")), (202, "3"))
        url = resp.getheader("Location")
        self.assertRegex(url, rf"^https://127\.0\.0\.1:{self.port}/subscriptions/{SUB}/operationresults/[-\w]+"
                              r"\?api-version=2024-03-01$")
        self.assertEqual([self.follow(url)[0] for _ in range(3)], [202, 202, 200])

    # -- ARM: throttling and authorization

    def test_throttled_requests_then_normal_service(self):
        self.scenario(throttle=[{"method": "PUT", "pathContains": "/deployments/", "times": 2, "status": 429},
                                {"method": "GET", "pathContains": "/resourceGroups/rg-thr", "times": 1, "status": 503}])
        template = sub_template("rg-thr", [identity("id-thr")])
        for _ in range(2):
            status, resp, body = self.arm("PUT", dep_path("thr"), deployment_body(template))
            self.assertEqual((status, resp.getheader("Retry-After")), (429, "1"))
            self.assertEqual(body["error"]["code"], "TooManyRequests")
        status, _, body = self.arm("PUT", dep_path("thr"), deployment_body(template))
        self.assertEqual(status, 201, body)
        status, _, body = self.arm("GET", f"/subscriptions/{SUB}/resourceGroups/rg-thr")
        self.assertEqual((status, body["error"]["code"]), (503, "ServiceUnavailable"))
        status, _, body = self.arm("GET", f"/subscriptions/{SUB}/resourceGroups/rg-thr")
        self.assertNotEqual(status, 503)

    def test_forbidden_deployment_write_is_403_with_arms_message(self):
        self.scenario(forbid=["Microsoft.Resources/deployments/write"])
        status, _, body = self.arm("PUT", dep_path("denied"), deployment_body(sub_template("rg-den", [identity("i")])))
        self.assertEqual((status, body["error"]["code"]), (403, "AuthorizationFailed"))
        self.assertEqual(body["error"]["message"],
                         f"The client '{CLIENT_ID}' with object id '{OBJECT_ID}' does not have authorization to perform "
                         "action 'Microsoft.Resources/deployments/write' over scope "
                         f"'{dep_path('denied')}' or the scope is invalid. If access was recently granted, please "
                         "refresh your credentials.")

    def test_forbidden_role_assignment_fails_its_operation(self):
        self.scenario(forbid=["Microsoft.Authorization/roleAssignments/write"])
        template = sub_template("rg-ra", [storage("stra"), identity("id-ra"), role_assignment("stra", "id-ra")])
        result = self.deploy("ra", template)
        self.assertEqual(result["status"], "Failed")
        inner = [o["properties"] for o in self.operations("rg-ra-unit", "rg-ra")]
        failed = [p for p in inner if p["provisioningState"] == "Failed"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["statusCode"], "Forbidden")
        self.assertEqual(failed[0]["targetResource"]["resourceType"], "Microsoft.Authorization/roleAssignments")
        self.assertEqual(failed[0]["statusMessage"]["error"]["code"], "AuthorizationFailed")
        self.assertIn("'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/",
                      failed[0]["statusMessage"]["error"]["message"])

    # -- ARM: role assignments

    def test_role_assignments_for_the_caller(self):
        self.scenario()
        path = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments"
        status, _, body = self.arm("GET", f"{path}?$filter=assignedTo('{OBJECT_ID}')&api-version=2022-04-01")
        self.assertEqual(status, 200, body)
        (only,) = body["value"]       # the default: Owner on the subscription
        self.assertEqual(only["properties"]["roleDefinitionId"],
                         f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}")
        self.scenario(roleAssignments=[
            {"principalId": OBJECT_ID, "roleName": "Contributor", "scope": f"/subscriptions/{SUB}"},
            {"principalId": "someone-else", "roleName": "Owner", "scope": f"/subscriptions/{SUB}"}])
        status, _, body = self.arm("GET", f"{path}?$filter=principalId%20eq%20'{OBJECT_ID}'&api-version=2022-04-01")
        (only,) = body["value"]
        self.assertEqual(only["type"], "Microsoft.Authorization/roleAssignments")
        self.assertEqual((only["properties"]["principalId"], only["properties"]["scope"]),
                         (OBJECT_ID, f"/subscriptions/{SUB}"))
        status, _, role = self.arm("GET", only["properties"]["roleDefinitionId"] + "?api-version=2022-04-01")
        self.assertEqual((status, role["properties"]["roleName"], role["properties"]["type"]),
                         (200, "Contributor", "BuiltInRole"))
        self.assertTrue(only["properties"]["roleDefinitionId"].endswith(CONTRIBUTOR))

    def test_scenario_rewritten_in_place_within_one_mtime_tick_is_noticed(self):
        path = f"/subscriptions/{SUB}/resourceGroups/rg-inplace"
        for status in (503, 429, 500):    # same length each time: only the bytes change
            with open(self.scenario_path, "w") as f:
                json.dump({"throttle": [{"pathContains": "rg-inplace", "status": status}]}, f)
            self.assertEqual(self.arm("GET", path)[0], status)
            self.assertEqual(self.arm("GET", path)[0], 404)

    def test_providers_are_registered(self):
        status, _, body = self.arm("GET", f"/subscriptions/{SUB}/providers/Microsoft.Batch")
        self.assertEqual((status, body["registrationState"]), (200, "Registered"))

    # -- the request log and speed

    def test_request_log_has_one_line_per_request_and_no_secrets(self):
        before = self.log_lines()
        self.arm("GET", dep_path("logged"))
        after = self.log_lines()
        self.assertEqual(len(after), len(before) + 1)
        self.assertEqual(after[-1], {"method": "GET", "path": dep_path("logged"), "query": f"api-version={API}",
                                     "status": 404, "auth": "bearer"})
        with open(self.log_path) as f:
            text = f.read()
        self.assertNotIn(self.token, text)
        self.assertNotIn(SECRET, text)

    def log_lines(self):
        with open(self.log_path) as f:
            return [json.loads(line) for line in f]

    def test_many_requests_on_one_connection_are_fast(self):
        start = time.perf_counter()
        for _ in range(200):
            status, _, _ = self.arm("GET", f"/subscriptions/{SUB}")
            self.assertEqual(status, 200)
        self.assertLess(time.perf_counter() - start, 2.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
