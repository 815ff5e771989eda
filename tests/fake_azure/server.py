#!/usr/bin/env python3
"""A local stand-in for Azure Resource Manager (ARM) and Microsoft Entra ID, for sblc's tests.

    python3 tests/fake_azure/server.py --cert leaf.pem --key leaf.key \
        --scenario scenario.json --log requests.jsonl [--port 0] [--exit-with-stdin]

Serves HTTPS on 127.0.0.1 and prints one line `READY <port>` once it listens. The scenario file
(JSON, see README.md next to this file) is read again whenever it changes. Every request is logged
as one JSON line to the `--log` file before its response is sent.

It speaks the public protocols, as documented in Azure's REST reference: the client-credentials
token endpoint and the App Service / IMDS managed-identity endpoints; ARM deployments at
subscription and resource-group scope (create, get, list, validate, what-if, cancel, operations,
Azure-AsyncOperation and Location polling); resource, resource group, role assignment, role
definition and permission reads. It keeps no state between runs. Standard library only.

Progress is driven by polls, not by time: a deployment or what-if answers `Running` to the first
`pollsUntilDone` status GETs and finishes on the next one, and its operations finish gradually in
between. Nothing in the request path sleeps.
"""

from __future__ import annotations

import argparse
import base64
import copy
import fnmatch
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

# ---------------------------------------------------------------------------------------------
# Defaults and fixed data

DEFAULTS = {
    "tenant": "00000000-0000-0000-0000-0000000000aa",
    "clientId": "sblc-test-client",
    "clientSecret": "sblc-test-secret",
    "objectId": "00000000-0000-0000-0000-0000000000bb",
    "identityHeader": "sblc-test-header",
    "managedIdentityClientId": "00000000-0000-0000-0000-0000000000cc",
    "managedIdentityObjectId": "00000000-0000-0000-0000-0000000000dd",
    "subscriptionId": None,
    "tokenLifetime": 3599,
    "retryAfter": 0,
    "pollsUntilDone": 1,
    "failures": [],
    "throttle": [],
    "forbid": [],
    "slowDeployment": False,
    "existing": [],
    "roleAssignments": None,
}

# Built-in roles: name -> (id, description, actions, notActions, dataActions).
BUILTIN_ROLES = {
    "Owner": ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
              "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
              ["*"], [], []),
    "Contributor": ("b24988ac-6180-42a0-9ab3-0f7017aaa0fc",
                    "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
                    ["*"],
                    ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                     "Microsoft.Authorization/elevateAccess/Action"], []),
    "User Access Administrator": ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
                                  "Lets you manage user access to Azure resources.",
                                  ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], [], []),
    "Reader": ("acdd72a7-3c35-4ec2-9c1b-3e0ae8a2c9ef",
               "View all resources, but does not allow you to make any changes.", ["*/read"], [], []),
    "Storage Blob Data Owner": ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
                                "Allows for full access to Azure Storage blob containers and data.",
                                ["Microsoft.Storage/storageAccounts/blobServices/containers/*",
                                 "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
                                [], ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]),
    "Storage Blob Data Contributor": ("ba92f5b4-2d11-453d-a403-e96b0029c9fe",
                                      "Allows for read, write and delete access to Azure Storage blob containers and data",
                                      ["Microsoft.Storage/storageAccounts/blobServices/containers/delete",
                                       "Microsoft.Storage/storageAccounts/blobServices/containers/read",
                                       "Microsoft.Storage/storageAccounts/blobServices/containers/write",
                                       "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
                                      [],
                                      ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
                                       "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                                       "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
                                       "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
                                       "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action"]),
    "Storage Blob Data Reader": ("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
                                 "Allows for read access to Azure Storage blob containers and data",
                                 ["Microsoft.Storage/storageAccounts/blobServices/containers/read",
                                  "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
                                 [], ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]),
    "Key Vault Crypto Service Encryption User": ("e147488a-f6f5-4113-8e2d-b22465e65bf6",
                                                 "Read metadata of keys and perform wrap/unwrap operations.",
                                                 ["Microsoft.EventGrid/eventSubscriptions/write",
                                                  "Microsoft.EventGrid/eventSubscriptions/read",
                                                  "Microsoft.EventGrid/eventSubscriptions/delete"], [],
                                                 ["Microsoft.KeyVault/vaults/keys/read",
                                                  "Microsoft.KeyVault/vaults/keys/wrap/action",
                                                  "Microsoft.KeyVault/vaults/keys/unwrap/action"]),
    "Managed Identity Operator": ("f1a07417-d97a-45cb-824c-7a7467783830", "Read and Assign User Assigned Identity",
                                  ["Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
                                   "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
                                   "Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
                                   "Microsoft.Resources/subscriptions/resourceGroups/read",
                                   "Microsoft.Resources/deployments/*", "Microsoft.Support/*"], [], []),
    "Network Contributor": ("4d97b98b-1d4f-4787-a291-c67834d212e7",
                            "Lets you manage networks, but not access to them.",
                            ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
                             "Microsoft.Network/*", "Microsoft.ResourceHealth/availabilityStatuses/read",
                             "Microsoft.Resources/deployments/*",
                             "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"], [], []),
}
ROLE_BY_ID = {v[0]: name for name, v in BUILTIN_ROLES.items()}

ARM_AUDIENCES = {
    "https://management.azure.com", "https://management.azure.com/",
    "https://management.core.windows.net", "https://management.core.windows.net/",
}

DEPLOYMENTS_TYPE = "Microsoft.Resources/deployments"
RESOURCE_GROUPS_TYPE = "Microsoft.Resources/resourceGroups"
ROLE_ASSIGNMENTS_TYPE = "Microsoft.Authorization/roleAssignments"
GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
# Properties that a resource provider sets; what-if does not compare them.
READ_ONLY_KEYS = {"provisioningState", "resourceGuid", "etag"}

DEPLOYMENT_FAILED_MESSAGE = ("At least one resource deployment operation failed. Please list deployment "
                             "operations for details. Please see https://aka.ms/arm-deployment-operations "
                             "for usage details.")
TERMINAL_FAILED_MESSAGE = ("The resource write operation failed to complete successfully, because it "
                           "reached terminal provisioning state 'Failed'.")


def now_iso(t: float | None = None) -> str:
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%07dZ" % int((t % 1) * 10_000_000)


def iso_duration(seconds: float) -> str:
    return "PT%.7fS" % max(seconds, 0.0)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_guid(*parts: str) -> str:
    h = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def is_expression(value) -> bool:
    return isinstance(value, str) and value.startswith("[") and not value.startswith("[[") and value.endswith("]")


def ci_get(d: dict, key: str):
    """A dict lookup ignoring case, as ARM property access does."""
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if k.lower() == low:
            return v
    raise KeyError(key)


def arm_error(code: str, message: str, **extra) -> dict:
    err = {"code": code, "message": message}
    err.update(extra)
    return {"error": err}


# ---------------------------------------------------------------------------------------------
# ARM template expressions: a small evaluator. What it cannot evaluate (reference(), list*(),
# user functions, ...) raises Unevaluable, and the string is kept as written, as what-if shows it.

class Unevaluable(Exception):
    pass


class TemplateError(Exception):
    """A template the fake refuses as ARM would: answered 400 InvalidTemplate."""


_PARSE_CACHE: dict[str, tuple] = {}


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self):
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def eat(self, ch):
        if self.peek() != ch:
            raise Unevaluable(f"expected {ch!r} at {self.i} in {self.s!r}")
        self.i += 1

    def expr(self):
        node = self.primary()
        while True:
            c = self.peek()
            if c == ".":
                self.i += 1
                node = ("prop", node, self.ident())
            elif c == "[":
                self.i += 1
                index = self.expr()
                self.eat("]")
                node = ("index", node, index)
            else:
                return node

    def ident(self):
        self.ws()
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*").match(self.s, self.i)
        if not m:
            raise Unevaluable(f"expected a name at {self.i} in {self.s!r}")
        self.i = m.end()
        return m.group(0)

    def primary(self):
        c = self.peek()
        if c == "'":
            self.i += 1
            out = []
            while True:
                if self.i >= len(self.s):
                    raise Unevaluable("unterminated string")
                ch = self.s[self.i]
                if ch == "'":
                    if self.s[self.i + 1:self.i + 2] == "'":
                        out.append("'")
                        self.i += 2
                        continue
                    self.i += 1
                    return ("lit", "".join(out))
                out.append(ch)
                self.i += 1
        m = re.compile(r"-?[0-9]+").match(self.s, self.i)
        if m:
            self.i = m.end()
            return ("lit", int(m.group(0)))
        name = self.ident()
        while self.peek() == "." and re.match(r"\.[A-Za-z_]", self.s[self.i:self.i + 2]) and "(" in self.s[self.i:]:
            # namespaced user function `ns.fn(...)`; told apart from property access by the '('
            save = self.i
            self.i += 1
            part = self.ident()
            if self.peek() == "(":
                name = name + "." + part
                break
            self.i = save
            break
        if self.peek() != "(":
            low = name.lower()
            if low in ("true", "false", "null"):
                return ("lit", {"true": True, "false": False, "null": None}[low])
            raise Unevaluable(f"bare name {name!r}")
        self.i += 1
        args = []
        if self.peek() != ")":
            while True:
                args.append(self.expr())
                if self.peek() == ",":
                    self.i += 1
                    continue
                break
        self.eat(")")
        return ("call", name.lower(), args)


def parse_expression(text: str) -> tuple:
    node = _PARSE_CACHE.get(text)
    if node is None:
        p = _Parser(text)
        node = p.expr()
        p.ws()
        if p.i != len(p.s):
            raise Unevaluable(f"trailing text in {text!r}")
        if len(_PARSE_CACHE) < 20000:
            _PARSE_CACHE[text] = node
    return node


def to_arm_string(v) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def net_format(fmt: str, args: list) -> str:
    def repl(m):
        if m.group(0) == "{{":
            return "{"
        if m.group(0) == "}}":
            return "}"
        idx = int(m.group(1))
        if idx >= len(args):
            raise Unevaluable("format index out of range")
        v = args[idx]
        spec = m.group(3) or ""
        if spec[:1] in ("D", "d") and isinstance(v, int):
            return str(v).zfill(int(spec[1:] or 0))
        return to_arm_string(v)
    return re.sub(r"\{\{|\}\}|\{(\d+)(,-?\d+)?(?::([^}]*))?\}", repl, fmt)


def build_resource_id(scope_id: str, rtype: str, names: list[str]) -> str:
    """`{scope}/providers/{namespace}/{type}/{name}/...`; resource groups under a subscription
    are `/subscriptions/{s}/resourceGroups/{name}`."""
    parts = rtype.split("/")
    if rtype.lower() == RESOURCE_GROUPS_TYPE.lower() and re.fullmatch(r"/subscriptions/[^/]+", scope_id, re.I):
        return f"{scope_id}/resourceGroups/{names[0]}"
    path = f"{scope_id}/providers/{parts[0]}"
    for t, n in zip(parts[1:], names):
        path += f"/{t}/{n}"
    return path


def environment_object() -> dict:
    return {
        "name": "AzureCloud", "gallery": "https://gallery.azure.com/",
        "graph": "https://graph.windows.net/", "portal": "https://portal.azure.com",
        "graphAudience": "https://graph.windows.net/",
        "activeDirectoryDataLake": "https://datalake.azure.net/", "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net", "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": "", "resourceManager": "https://management.azure.com/",
        "authentication": {"loginEndpoint": "https://login.microsoftonline.com/",
                           "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                           "tenant": "common", "identityProvider": "AAD"},
        "suffixes": {"acrLoginServer": ".azurecr.io", "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                     "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
                     "azureFrontDoorEndpointSuffix": "azurefd.net", "keyvaultDns": ".vault.azure.net",
                     "sqlServerHostname": ".database.windows.net", "storage": "core.windows.net"},
    }


class Ctx:
    """Where a template's expressions are evaluated: its deployment's scope, parameters and
    variables."""

    def __init__(self, app: "App", sub: str, rg: str | None, deployment_name: str, template: dict,
                 provided: dict, location: str | None = None, rg_locations: dict | None = None):
        self.app = app
        self.sub = sub
        self.rg = rg
        self.deployment_name = deployment_name
        self.template = template
        self.provided = provided          # name -> value (already plain values)
        self.location = location
        self.rg_locations = rg_locations if rg_locations is not None else {}
        self.param_cache: dict = {}
        self.var_cache: dict = {}
        self.busy: set = set()
        self.copy_index: dict = {}

    def with_copy(self, loop: str, index: int) -> "Ctx":
        c = copy.copy(self)
        c.copy_index = dict(self.copy_index)
        c.copy_index[loop.lower()] = index
        c.copy_index[""] = index
        return c

    @property
    def scope_id(self) -> str:
        return f"/subscriptions/{self.sub}" + (f"/resourceGroups/{self.rg}" if self.rg else "")

    # -- deep evaluation
    def ev(self, value):
        if isinstance(value, str):
            if value.startswith("[["):
                return value[1:]
            if is_expression(value):
                try:
                    return self.eval_text(value[1:-1])
                except (Unevaluable, RecursionError):
                    return value
            return value
        if isinstance(value, dict):
            return {k: self.ev(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.ev(v) for v in value]
        return value

    def ev_strict(self, value):
        """Evaluates an expression string, raising Unevaluable when it cannot."""
        if isinstance(value, str) and is_expression(value):
            return self.eval_text(value[1:-1])
        if isinstance(value, str) and value.startswith("[["):
            return value[1:]
        return value

    def eval_text(self, text: str):
        return self.eval(parse_expression(text))

    # -- parameters and variables
    def parameter(self, name: str):
        params = self.template.get("parameters") or {}
        try:
            decl_name = next(k for k in params if k.lower() == name.lower())
        except StopIteration:
            raise Unevaluable(f"no parameter {name}")
        if decl_name in self.param_cache:
            return self.param_cache[decl_name]
        if decl_name in self.provided:
            value = self.provided[decl_name]
        else:
            decl = params[decl_name] or {}
            if "defaultValue" not in decl:
                raise Unevaluable(f"parameter {name} has no value")
            if ("p", decl_name) in self.busy:
                raise Unevaluable("cycle")
            self.busy.add(("p", decl_name))
            try:
                value = self.ev_deep_strict(decl["defaultValue"])
            finally:
                self.busy.discard(("p", decl_name))
        self.param_cache[decl_name] = value
        return value

    def ev_deep_strict(self, value):
        if isinstance(value, str):
            return self.ev_strict(value)
        if isinstance(value, dict):
            return {k: self.ev_deep_strict(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.ev_deep_strict(v) for v in value]
        return value

    def variable(self, name: str):
        variables = self.template.get("variables") or {}
        try:
            key = next(k for k in variables if k.lower() == name.lower())
        except StopIteration:
            raise Unevaluable(f"no variable {name}")
        if key in self.var_cache:
            return self.var_cache[key]
        if ("v", key) in self.busy:
            raise Unevaluable("cycle")
        self.busy.add(("v", key))
        try:
            value = variables[key]
            if isinstance(value, dict) and "copy" in value:
                raise Unevaluable("variable copy loops are not evaluated")
            value = self.ev_deep_strict(value)
        finally:
            self.busy.discard(("v", key))
        self.var_cache[key] = value
        return value

    # -- the evaluator
    def eval(self, node):
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "prop":
            base = self.eval(node[1])
            if not isinstance(base, dict):
                raise Unevaluable("property of a non-object")
            try:
                return ci_get(base, node[2])
            except KeyError:
                raise Unevaluable(f"no property {node[2]}")
        if kind == "index":
            base = self.eval(node[1])
            idx = self.eval(node[2])
            try:
                if isinstance(base, list) and isinstance(idx, int):
                    return base[idx]
                if isinstance(base, dict) and isinstance(idx, str):
                    return ci_get(base, idx)
            except (IndexError, KeyError):
                pass
            raise Unevaluable("bad index")
        name, args = node[1], node[2]
        if name == "if":
            if len(args) != 3:
                raise Unevaluable("if() takes 3 arguments")
            return self.eval(args[1]) if self.eval(args[0]) else self.eval(args[2])
        if name == "coalesce":
            for a in args:
                v = self.eval(a)
                if v is not None:
                    return v
            return None
        if name in ("and", "or"):
            vals = [self.eval(a) for a in args]
            return all(vals) if name == "and" else any(vals)
        fn = getattr(self, "fn_" + name, None)
        if fn is None:
            raise Unevaluable(f"function {name}() is not evaluated by the fake")
        return fn(*[self.eval(a) for a in args])

    # functions (names are lower case; ARM function names are case-insensitive)
    def fn_parameters(self, name):
        return self.parameter(name)

    def fn_variables(self, name):
        return self.variable(name)

    def fn_concat(self, *args):
        if args and all(isinstance(a, list) for a in args):
            return [x for a in args for x in a]
        return "".join(to_arm_string(a) for a in args)

    def fn_format(self, fmt, *args):
        return net_format(fmt, list(args))

    def fn_tolower(self, s):
        return to_arm_string(s).lower()

    def fn_toupper(self, s):
        return to_arm_string(s).upper()

    def fn_string(self, v):
        return to_arm_string(v)

    def fn_int(self, v):
        try:
            return int(v)
        except (TypeError, ValueError):
            raise Unevaluable("int()")

    def fn_bool(self, v):
        if isinstance(v, str):
            return v.lower() == "true"
        return bool(v)

    def fn_true(self):
        return True

    def fn_false(self):
        return False

    def fn_null(self):
        return None

    def fn_not(self, v):
        return not v

    def fn_equals(self, a, b):
        return a == b

    def fn_greater(self, a, b):
        return a > b

    def fn_less(self, a, b):
        return a < b

    def fn_greaterorequals(self, a, b):
        return a >= b

    def fn_lessorequals(self, a, b):
        return a <= b

    def fn_empty(self, v):
        return v is None or len(v) == 0

    def fn_length(self, v):
        return len(v)

    def fn_contains(self, container, item):
        if isinstance(container, str):
            return to_arm_string(item).lower() in container.lower()
        if isinstance(container, dict):
            return any(k.lower() == str(item).lower() for k in container)
        return item in container

    def fn_first(self, v):
        return v[0] if v else None

    def fn_last(self, v):
        return v[-1] if v else None

    def fn_trim(self, s):
        return s.strip()

    def fn_replace(self, s, old, new):
        return s.replace(old, new)

    def fn_substring(self, s, start, length=None):
        return s[start:] if length is None else s[start:start + length]

    def fn_split(self, s, sep):
        seps = sep if isinstance(sep, list) else [sep]
        parts = [s]
        for d in seps:
            parts = [x for p in parts for x in p.split(d)]
        return parts

    def fn_join(self, items, sep):
        return sep.join(to_arm_string(i) for i in items)

    def fn_startswith(self, s, p):
        return s.lower().startswith(p.lower())

    def fn_endswith(self, s, p):
        return s.lower().endswith(p.lower())

    def fn_indexof(self, s, p):
        return s.lower().find(p.lower())

    def fn_lastindexof(self, s, p):
        return s.lower().rfind(p.lower())

    def fn_padleft(self, v, width, ch=" "):
        return to_arm_string(v).rjust(width, ch)

    def fn_add(self, a, b):
        return a + b

    def fn_sub(self, a, b):
        return a - b

    def fn_mul(self, a, b):
        return a * b

    def fn_div(self, a, b):
        return int(a / b)

    def fn_mod(self, a, b):
        return a % b

    def fn_min(self, *a):
        return min(a[0] if len(a) == 1 and isinstance(a[0], list) else a)

    def fn_max(self, *a):
        return max(a[0] if len(a) == 1 and isinstance(a[0], list) else a)

    def fn_range(self, start, count):
        return list(range(start, start + count))

    def fn_take(self, v, n):
        return v[:n]

    def fn_skip(self, v, n):
        return v[n:]

    def fn_union(self, *args):
        if args and all(isinstance(a, dict) for a in args):
            out: dict = {}
            for a in args:
                out.update(a)
            return out
        out_l: list = []
        for a in args:
            for x in a:
                if x not in out_l:
                    out_l.append(x)
        return out_l

    def fn_createobject(self, *args):
        return {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2)}

    def fn_createarray(self, *args):
        return list(args)

    def fn_array(self, v):
        return v if isinstance(v, list) else [v]

    def fn_json(self, s):
        try:
            return json.loads(s)
        except ValueError:
            raise Unevaluable("json()")

    def fn_base64(self, s):
        return base64.b64encode(s.encode()).decode()

    def fn_guid(self, *args):
        # Deterministic like ARM's guid(); not guaranteed to give the same value as Azure.
        return str(uuid.uuid5(GUID_NAMESPACE, "-".join(to_arm_string(a) for a in args)))

    def fn_uniquestring(self, *args):
        # Deterministic, 13 characters like ARM's uniqueString(); not Azure's hash.
        digest = hashlib.sha256("-".join(to_arm_string(a) for a in args).encode()).digest()
        return base64.b32encode(digest).decode().lower()[:13]

    def fn_copyindex(self, *args):
        loop, offset = "", 0
        for a in args:
            if isinstance(a, int):
                offset = a
            else:
                loop = str(a).lower()
        if loop not in self.copy_index:
            raise Unevaluable("copyIndex() outside a copy loop")
        return self.copy_index[loop] + offset

    def fn_subscription(self):
        return {"id": f"/subscriptions/{self.sub}", "subscriptionId": self.sub,
                "tenantId": self.app.sc("tenant"), "displayName": "sblc fake subscription"}

    def fn_resourcegroup(self):
        if not self.rg:
            raise Unevaluable("resourceGroup() at subscription scope")
        location = self.rg_locations.get(self.rg.lower()) or self.app.resource_group_location(self.sub, self.rg)
        if location is None:
            raise Unevaluable("unknown resource group location")
        return {"id": f"/subscriptions/{self.sub}/resourceGroups/{self.rg}", "name": self.rg,
                "type": RESOURCE_GROUPS_TYPE, "location": location, "tags": {},
                "properties": {"provisioningState": "Succeeded"}}

    def fn_deployment(self):
        out = {"name": self.deployment_name,
               "properties": {"template": {"contentVersion": self.template.get("contentVersion", "1.0.0.0")},
                              "templateHash": template_hash(self.template)}}
        if self.location:
            out["location"] = self.location
        return out

    def fn_environment(self):
        return environment_object()

    def fn_tenant(self):
        return {"tenantId": self.app.sc("tenant"), "countryCode": "NL", "displayName": "sblc fake tenant"}

    def _split_type(self, args: list, allowed_prefix: int):
        for i, a in enumerate(args):
            if isinstance(a, str) and "/" in a and "." in a.split("/")[0]:
                if i > allowed_prefix:
                    break
                return args[:i], a, [to_arm_string(x) for x in args[i + 1:]]
        raise Unevaluable("no resource type among the arguments")

    def fn_resourceid(self, *args):
        prefix, rtype, names = self._split_type(list(args), 2)
        sub, rg = self.sub, self.rg
        if len(prefix) == 2:
            sub, rg = prefix
        elif len(prefix) == 1:
            rg = prefix[0]
        scope = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
        return build_resource_id(scope, rtype, names)

    def fn_subscriptionresourceid(self, *args):
        prefix, rtype, names = self._split_type(list(args), 1)
        sub = prefix[0] if prefix else self.sub
        return build_resource_id(f"/subscriptions/{sub}", rtype, names)

    def fn_tenantresourceid(self, *args):
        _, rtype, names = self._split_type(list(args), 0)
        return build_resource_id("", rtype, names)

    def fn_extensionresourceid(self, scope, *args):
        _, rtype, names = self._split_type(list(args), 0)
        return build_resource_id(scope.rstrip("/"), rtype, names)


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return str(int.from_bytes(digest[:8], "big"))


# ---------------------------------------------------------------------------------------------
# Resource ids

def parse_resource_id(rid: str) -> dict:
    """Splits an ARM id into subscription, resource group, type and name (the last provider)."""
    segs = [s for s in rid.split("/") if s]
    out = {"sub": None, "rg": None, "type": None, "name": None}
    if len(segs) >= 2 and segs[0].lower() == "subscriptions":
        out["sub"] = segs[1]
    if len(segs) >= 4 and segs[2].lower() == "resourcegroups":
        out["rg"] = segs[3]
        if len(segs) == 4:
            out["type"], out["name"] = RESOURCE_GROUPS_TYPE, segs[3]
            return out
    lowered = [s.lower() for s in segs]
    if "providers" in lowered:
        p = len(lowered) - 1 - lowered[::-1].index("providers")
        rest = segs[p + 1:]
        if rest:
            ns = rest[0]
            types = rest[1::2]
            names = rest[2::2]
            out["type"] = "/".join([ns] + types)
            out["name"] = "/".join(names)
    return out


def same_or_below(scope: str, other: str) -> bool:
    """True when `other` is `scope` or lies below it."""
    a, b = scope.rstrip("/").lower(), other.rstrip("/").lower()
    return b == a or b.startswith(a + "/") or a == ""


# ---------------------------------------------------------------------------------------------
# Deployments: each PUT is planned into a tree of operations that polls complete in order.

class Op:
    """One deployment operation: a resource, a resource group or a nested deployment."""

    def __init__(self, kind: str, rid: str, rtype: str, name: str, api_version: str | None, body: dict,
                 symbolic: str | None = None):
        self.kind = kind                  # "resource" | "resourceGroup" | "deployment"
        self.id = rid
        self.type = rtype
        self.name = name                  # as the target resource's name (segments joined by '/')
        self.api_version = api_version
        self.body = body                  # the evaluated resource, as stored in the state
        self.symbolic = symbolic
        self.template_name = name
        self.deps: list[str] = []         # raw dependsOn values (evaluated)
        self.dep_ops: list[Op] = []
        self.child: Deployment | None = None
        self.operation_id = secrets.token_hex(8).upper()
        self.tracking_id = str(uuid.uuid4())
        self.service_request_id = str(uuid.uuid4())
        self.outcome = "Succeeded"        # "Succeeded" | "Failed" | "Skipped"
        self.status_code = "OK"
        self.error: dict | None = None
        self.rank = 0                     # 1-based position in the top deployment's sequence
        self.existed = False
        self.started = 0.0
        self.finished = 0.0


class Deployment:
    def __init__(self, app: "App", sub: str, rg: str | None, name: str, location: str | None, body: dict,
                 template: dict, ctx: Ctx, api_version: str, correlation_id: str, parent: "Deployment | None"):
        self.app = app
        self.sub = sub
        self.rg = rg
        self.name = name
        self.location = location
        self.body = body
        self.template = template
        self.ctx = ctx
        self.api_version = api_version
        self.correlation_id = correlation_id
        self.parent = parent
        self.top = parent.top if parent else self
        self.mode = (body.get("properties") or {}).get("mode", "Incremental")
        self.tags = body.get("tags")
        self.ops: list[Op] = []
        self.created = time.time()
        self.ended: float | None = None
        self.state = "Accepted"
        self.error: dict | None = None
        self.outputs: dict | None = None
        self.status_id = "0858" + "".join(secrets.choice("0123456789") for _ in range(16))
        # top-level only
        self.sequence: list[Op] = []
        self.polls = 0
        self.status_polled = False
        self.done_count = 0
        self.steps = 1
        self.canceled = False

    @property
    def scope_id(self) -> str:
        return f"/subscriptions/{self.sub}" + (f"/resourceGroups/{self.rg}" if self.rg else "")

    @property
    def id(self) -> str:
        return f"{self.scope_id}/providers/{DEPLOYMENTS_TYPE}/{self.name}"

    @property
    def key(self) -> tuple:
        return (self.scope_id.lower(), self.name.lower())

    def terminal(self) -> bool:
        return self.state in ("Succeeded", "Failed", "Canceled")

    def all_deployments(self, include_skipped: bool = False):
        yield self
        for op in self.ops:
            if op.child is not None and (include_skipped or op.outcome != "Skipped"):
                yield from op.child.all_deployments(include_skipped)

    def leaf_resources(self):
        for op in self.ops:
            if op.outcome == "Skipped":
                continue
            if op.child is not None:
                yield from op.child.leaf_resources()
            else:
                yield op


# ---------------------------------------------------------------------------------------------
# HTTP plumbing

class Request:
    def __init__(self, method: str, target: str, headers, body: bytes, tls: bool, port: int):
        self.method = method
        parts = urlsplit(target)
        self.raw_path = parts.path
        self.path = parts.path.rstrip("/") or "/"
        self.query_string = parts.query
        self.query = {}
        for k, v in parse_qsl(parts.query, keep_blank_values=True):
            self.query.setdefault(k.lower(), v)
        self.headers = headers
        self.body = body
        self.tls = tls
        self.host = headers.get("Host") or f"127.0.0.1:{port}"
        auth = headers.get("Authorization") or ""
        self.auth_kind = "bearer" if auth[:7].lower() == "bearer " else "none"
        self.claims: dict | None = None

    @property
    def origin(self) -> str:
        return f"https://{self.host}"

    def header(self, name: str, default=None):
        return self.headers.get(name, default)

    def json_body(self):
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8-sig"))


class Response:
    def __init__(self, status: int, body=None, headers: list | None = None, content_type="application/json; charset=utf-8"):
        self.status = status
        self.headers = list(headers or [])
        if body is None:
            self.body = b""
        elif isinstance(body, (bytes, bytearray)):
            self.body = bytes(body)
        elif isinstance(body, str):
            self.body = body.encode()
        else:
            self.body = json.dumps(body, separators=(",", ":")).encode()
        if self.body and content_type:
            self.headers.append(("Content-Type", content_type))

    def header(self, name: str, value):
        self.headers.append((name, str(value)))
        return self


# ---------------------------------------------------------------------------------------------
# The application

class Scenario:
    """The scenario file, read again whenever its inode, size or mtime changes, and also, while
    its mtime is recent, whenever its bytes change (an in-place rewrite within one mtime tick).
    A file caught half-written (empty or invalid JSON) leaves the previous scenario in force;
    the next request tries again."""

    def __init__(self, path: str | None, on_change):
        self.path = path
        self.sig = None
        self.raw: bytes | None = None
        self.data: dict = {}
        self.on_change = on_change

    def current(self) -> dict:
        if not self.path:
            return self.data
        try:
            st = os.stat(self.path)
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            sig = None
        raw = None
        if sig is not None and sig == self.sig and time.time() - st.st_mtime < 2.5:
            try:
                with open(self.path, "rb") as f:
                    raw = f.read()
            except OSError:
                return self.data
            if raw == self.raw:
                return self.data
        if sig != self.sig or raw is not None:
            try:
                data = {}
                if sig is not None:
                    if raw is None:
                        with open(self.path, "rb") as f:
                            raw = f.read()
                    if not raw.strip():
                        raise ValueError("the file is empty")
                    data = json.loads(raw.decode("utf-8-sig"))
                if not isinstance(data, dict):
                    raise ValueError("the scenario must be a JSON object")
            except (ValueError, OSError) as e:
                print(f"fake-azure: scenario not (yet) readable, keeping the previous one: {e}", file=sys.stderr)
                return self.data
            self.raw = raw
            unknown = sorted(set(data) - set(DEFAULTS) - {"comment", "version", "$schema"})
            if unknown:
                print(f"fake-azure: unknown scenario fields ignored: {', '.join(unknown)}", file=sys.stderr)
            self.sig = sig
            self.data = data
            self.on_change()
        return self.data


class App:
    def __init__(self, scenario_path: str | None, log_path: str | None, port: int, verbose: bool):
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.port = port
        self.verbose = verbose
        self.key = secrets.token_bytes(32)
        self.throttle_counts: dict[int, int] = {}
        self.scenario = Scenario(scenario_path, self._scenario_changed)
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.deployments: dict[tuple, Deployment] = {}
        self.status_urls: dict[str, Deployment] = {}
        self.created: dict[str, dict] = {}          # lower id -> resource (from successful operations)
        self.whatifs: dict[str, dict] = {}

    def _scenario_changed(self):
        self.throttle_counts = {}

    # -- scenario access
    def sc(self, key: str):
        data = self.scenario.data      # refreshed once per request, in handle()
        value = data.get(key)
        if value is None:
            value = DEFAULTS.get(key)
        return value

    # -- logging
    def log(self, req: Request, resp: Response):
        line = json.dumps({"method": req.method, "path": req.raw_path, "query": req.query_string,
                           "status": resp.status, "auth": req.auth_kind}, separators=(",", ":"))
        if self.verbose:
            print(f"fake-azure: {req.method} {req.raw_path}?{req.query_string} -> {resp.status}", file=sys.stderr)
        if self.log_file:
            with self.log_lock:
                self.log_file.write(line + "\n")
                self.log_file.flush()

    # -- entry point
    def handle(self, req: Request) -> Response:
        try:
            with self.lock:
                self.scenario.current()
                resp = self.route(req)
        except Exception:  # a bug in the fake: say so plainly
            traceback.print_exc()
            resp = Response(500, arm_error("FakeAzureInternalError",
                                           "The fake Azure server failed; see its stderr."))
        return resp

    # ------------------------------------------------------------------------------------------
    # routing

    def route(self, req: Request) -> Response:
        path = req.path
        low = path.lower()
        is_arm = low.startswith("/subscriptions") or low.startswith("/providers")
        if not req.tls and not (low.startswith("/msi/") or low.startswith("/metadata/identity/")):
            return self.arm_headers(req, Response(400, arm_error(
                "HttpsRequired", "This endpoint is served over HTTPS only; plain HTTP is accepted for "
                "the managed-identity endpoints (/msi/token, /metadata/identity/oauth2/token).")))
        if is_arm:
            resp = self.authenticate(req)
            if resp is None and "api-version" not in req.query:
                resp = Response(400, arm_error("MissingApiVersionParameter",
                                               "The api-version query parameter (?api-version=) is required for all requests."))
            if resp is None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}(-[A-Za-z0-9.]+)?", req.query["api-version"]):
                resp = Response(400, arm_error(
                    "InvalidApiVersionParameter",
                    f"The api-version '{req.query['api-version']}' is invalid. The supported versions are "
                    "'2025-04-01,2025-03-01,2024-11-01,2024-07-01,2024-03-01,2023-07-01,2022-09-01,2022-04-01,"
                    "2021-04-01,2021-01-01,2020-10-01,2020-06-01,2019-10-01'."))
            if resp is None:
                resp = self.throttled(req)
            if resp is None:
                resp = self.route_arm(req)
            return self.arm_headers(req, resp)
        resp = self.throttled(req)
        if resp is not None:
            return resp
        m = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path, re.I)
        if m:
            return self.token_endpoint(req, unquote(m.group(1)))
        m = re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path, re.I)
        if m and req.method == "GET":
            return self.openid_configuration(req, unquote(m.group(1)))
        m = re.fullmatch(r"/([^/]+)/discovery/v2\.0/keys", path, re.I)
        if m and req.method == "GET":
            return Response(200, {"keys": []})
        if re.fullmatch(r"/common/discovery/instance", path, re.I) and req.method == "GET":
            return self.instance_discovery(req)
        if re.fullmatch(r"/msi/token", path, re.I) and req.method == "GET":
            return self.msi_token(req)
        if re.fullmatch(r"/metadata/identity/oauth2/token", path, re.I) and req.method == "GET":
            return self.imds_token(req)
        return self.arm_headers(req, Response(404, arm_error(
            "NotFound", f"The path '{req.raw_path}' is not served by this fake Azure endpoint.")))

    def arm_headers(self, req: Request, resp: Response) -> Response:
        correlation = req.header("x-ms-correlation-request-id") or str(uuid.uuid4())
        request_id = str(uuid.uuid4())
        resp.headers += [
            ("Cache-Control", "no-cache"), ("Pragma", "no-cache"), ("Expires", "-1"),
            ("x-ms-request-id", request_id), ("x-ms-correlation-request-id", correlation),
            ("x-ms-routing-request-id", f"WESTEUROPE:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}:{request_id}"),
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if req.method in ("PUT", "POST", "DELETE", "PATCH"):
            resp.headers.append(("x-ms-ratelimit-remaining-subscription-writes", "1199"))
        else:
            resp.headers.append(("x-ms-ratelimit-remaining-subscription-reads", "11999"))
        return resp

    # ------------------------------------------------------------------------------------------
    # authentication, throttling, authorization

    def sign(self, claims: dict) -> str:
        header = b64url(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "fake-azure"}, separators=(",", ":")).encode())
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        sig = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{b64url(sig)}"

    def verify(self, token: str) -> dict | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = b64url(hmac.new(self.key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            return None
        try:
            return json.loads(b64url_decode(parts[1]))
        except ValueError:
            return None

    def authenticate(self, req: Request) -> Response | None:
        auth = req.header("Authorization")
        if not auth:
            return Response(401, arm_error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."),
                            [("WWW-Authenticate", 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", '
                              'error_description="The authentication failed because of missing \'Authorization\' header."')])
        if req.auth_kind != "bearer":
            return Response(401, arm_error("AuthenticationFailed",
                                           "Authentication failed. The 'Authorization' header is provided in an invalid format."),
                            [("WWW-Authenticate", 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", '
                              'error_description="The authentication scheme of Basic is not supported."')])
        claims = self.verify(auth[7:].strip())
        invalid = [("WWW-Authenticate", 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token", '
                    'error_description="The access token is invalid."')]
        if claims is None:
            return Response(401, arm_error("InvalidAuthenticationToken", "The access token is invalid."), invalid)
        now = time.time()
        if claims.get("exp", 0) <= now:
            return Response(401, arm_error(
                "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{time.strftime('%m/%d/%Y %I:%M:%S %p', time.gmtime(claims.get('exp', 0)))}' "
                f"is earlier than current UTC time '{time.strftime('%m/%d/%Y %I:%M:%S %p', time.gmtime(now))}'."), invalid)
        aud = claims.get("aud", "")
        if aud not in ARM_AUDIENCES and aud.rstrip("/") != req.origin:
            return Response(401, arm_error(
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with "
                "one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net',"
                "'https://management.azure.com/','https://management.azure.com'."), invalid)
        if claims.get("tid", "").lower() != str(self.sc("tenant")).lower():
            return Response(401, arm_error(
                "InvalidAuthenticationTokenTenant",
                f"The access token is from the wrong issuer '{claims.get('iss')}'. It must match the tenant "
                f"'https://sts.windows.net/{self.sc('tenant')}/' associated with this subscription. Please use the "
                "authority (URL) 'https://login.windows.net/" + str(self.sc("tenant")) + "' to get the token."), invalid)
        req.claims = claims
        return None

    def throttled(self, req: Request) -> Response | None:
        rules = self.sc("throttle") or []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            method = rule.get("method")
            if method and method.upper() != req.method:
                continue
            needle = rule.get("pathContains")
            if needle and needle.lower() not in req.raw_path.lower():
                continue
            used = self.throttle_counts.get(i, 0)
            if used >= int(rule.get("times", 1)):
                continue
            self.throttle_counts[i] = used + 1
            status = int(rule.get("status", 429))
            retry = rule.get("retryAfter")
            sub = (re.match(r"/subscriptions/([^/]+)", req.raw_path, re.I) or [None, ""])[1]
            if status == 429:
                kind = "Read" if req.method in ("GET", "HEAD") else "Write"
                body = arm_error(rule.get("code", "TooManyRequests"), rule.get("message") or (
                    f"The request is being throttled as the limit has been reached for operation type - "
                    f"{kind}_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits"))
                headers = [("Retry-After", str(1 if retry is None else int(retry))),
                           (f"x-ms-ratelimit-remaining-subscription-{kind.lower()}s", "0")]
            elif status == 503:
                body = arm_error(rule.get("code", "ServiceUnavailable"), rule.get("message") or
                                 "The server (leader) is currently unable to handle the request. Please retry later.")
                headers = [("Retry-After", str(1 if retry is None else int(retry)))]
            elif status in (502, 504):
                body = arm_error(rule.get("code", "GatewayTimeout"), rule.get("message") or
                                 "The gateway did not receive a response from 'Microsoft.Resources' within the specified time period.")
                headers = [] if retry is None else [("Retry-After", str(int(retry)))]
            else:
                body = arm_error(rule.get("code", "InternalServerError"), rule.get("message") or (
                    f"Encountered internal server error. Diagnostic information: timestamp '{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}', "
                    f"subscription id '{sub}', tracking id '{uuid.uuid4()}', request correlation id '{uuid.uuid4()}'."))
                headers = [] if retry is None else [("Retry-After", str(int(retry)))]
            return Response(status, body, headers)
        return None

    def forbidden(self, action: str) -> bool:
        for pattern in self.sc("forbid") or []:
            if isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower()):
                return True
        return False

    def authorization_failed(self, claims: dict, action: str, scope: str) -> dict:
        client = claims.get("appid") or claims.get("oid")
        return arm_error("AuthorizationFailed", self.authorization_message(claims, action, scope) if client else "")

    @staticmethod
    def authorization_message(claims: dict, action: str, scope: str) -> str:
        return (f"The client '{claims.get('appid') or claims.get('oid')}' with object id '{claims.get('oid')}' does not have "
                f"authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access "
                "was recently granted, please refresh your credentials.")

    def check(self, req: Request, action: str, scope: str | None = None) -> Response | None:
        if self.forbidden(action):
            return Response(403, self.authorization_failed(req.claims or {}, action, scope or req.raw_path),
                            [("x-ms-failure-cause", "gateway")])
        return None

    # ------------------------------------------------------------------------------------------
    # Entra ID and managed identity

    def issue_token(self, aud: str, appid: str, oid: str, lifetime: int | None = None) -> tuple[str, int]:
        now = int(time.time())
        lifetime = int(self.sc("tokenLifetime")) if lifetime is None else lifetime
        tenant = self.sc("tenant")
        claims = {
            "aud": aud, "iss": f"https://sts.windows.net/{tenant}/", "iat": now, "nbf": now, "exp": now + lifetime,
            "aio": b64url(secrets.token_bytes(24)), "appid": appid, "appidacr": "1",
            "idp": f"https://sts.windows.net/{tenant}/", "idtyp": "app", "oid": oid,
            "rh": "0.fake.", "sub": oid, "tid": tenant, "uti": b64url(secrets.token_bytes(16)), "ver": "1.0",
        }
        return self.sign(claims), lifetime

    def entra_error(self, status: int, error: str, code: int, description: str) -> Response:
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        return Response(status, {
            "error": error,
            "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {stamp}",
            "error_codes": [code], "timestamp": stamp, "trace_id": trace, "correlation_id": corr,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }, [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"), ("x-ms-request-id", trace)])

    def token_endpoint(self, req: Request, tenant: str) -> Response:
        if req.method != "POST":
            return self.entra_error(405, "invalid_request", 900561,
                                    "The endpoint only accepts POST requests. Received a GET request.")
        form = {k: v for k, v in parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)}
        if tenant.lower() != str(self.sc("tenant")).lower():
            return self.entra_error(400, "invalid_request", 90002,
                                    f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
                                    "signing into the correct cloud. Check with your subscription administrator, this may "
                                    "happen if there are no active subscriptions for the tenant.")
        for field in ("grant_type", "client_id"):
            if not form.get(field):
                return self.entra_error(400, "invalid_request", 900144,
                                        f"The request body must contain the following parameter: '{field}'.")
        if form["grant_type"] != "client_credentials":
            return self.entra_error(400, "unsupported_grant_type", 70003,
                                    f"The app requested an unsupported grant type '{form['grant_type']}'.")
        client_id = form["client_id"]
        if client_id != self.sc("clientId"):
            return self.entra_error(400, "unauthorized_client", 700016,
                                    f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
                                    "This can happen if the application has not been installed by the administrator of the "
                                    "tenant or consented to by any user in the tenant. You may have sent your authentication "
                                    "request to the wrong tenant.")
        if "client_assertion" in form and "client_secret" not in form:
            return self.entra_error(401, "invalid_client", 700027,
                                    "Client assertion failed signature validation. (This fake accepts client secrets only.)")
        if not form.get("client_secret"):
            return self.entra_error(401, "invalid_client", 7000218,
                                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        if not hmac.compare_digest(form["client_secret"].encode(), str(self.sc("clientSecret")).encode()):
            return self.entra_error(401, "invalid_client", 7000215,
                                    "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                                    f"secret value, not the client secret ID, for a secret added to app '{client_id}'.")
        scopes = [s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access")]
        if not scopes:
            return self.entra_error(400, "invalid_request", 900144,
                                    "The request body must contain the following parameter: 'scope'.")
        scope = scopes[0]
        if not scope.endswith("/.default"):
            return self.entra_error(400, "invalid_scope", 1002012,
                                    f"The provided value for scope {scope} is not valid. Client credential flows must have a "
                                    "scope value with /.default suffixed to the resource identifier (application ID URI).")
        aud = scope[: -len("/.default")]
        token, lifetime = self.issue_token(aud, client_id, str(self.sc("objectId")))
        return Response(200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                              "access_token": token},
                        [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"),
                         ("x-ms-request-id", str(uuid.uuid4()))])

    def openid_configuration(self, req: Request, tenant: str) -> Response:
        base = f"{req.origin}/{tenant}"
        return Response(200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True, "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": "EU", "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net", "msgraph_host": "graph.microsoft.com",
        })

    def instance_discovery(self, req: Request) -> Response:
        tenant = self.sc("tenant")
        return Response(200, {
            "tenant_discovery_endpoint": f"{req.origin}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": req.host, "preferred_cache": req.host, "aliases": [req.host]}],
        })

    def _managed_identity(self, req: Request) -> tuple[str, str] | None:
        """The identity asked for: (client id, object id), or None if it is not assigned."""
        mi_client, mi_object = str(self.sc("managedIdentityClientId")), str(self.sc("managedIdentityObjectId"))
        asked_client = req.query.get("client_id")
        asked_object = req.query.get("object_id") or req.query.get("principal_id")
        asked_res = req.query.get("msi_res_id") or req.query.get("mi_res_id")
        if asked_client and asked_client.lower() != mi_client.lower():
            return None
        if asked_object and asked_object.lower() != mi_object.lower():
            return None
        if asked_res and not asked_res.lower().startswith("/subscriptions/"):
            return None
        return mi_client, mi_object

    def msi_token(self, req: Request) -> Response:
        """App Service / Functions managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER)."""
        if req.header("X-IDENTITY-HEADER") != self.sc("identityHeader"):
            return Response(401, {"statusCode": 401,
                                  "message": "Unauthorized request: the X-IDENTITY-HEADER header is missing or wrong."})
        if not req.query.get("resource"):
            return Response(400, {"statusCode": 400, "message": "The resource query parameter is required."})
        identity = self._managed_identity(req)
        if identity is None:
            return Response(400, {"statusCode": 400, "message": "No managed identity found for the given identifier."})
        resource = req.query["resource"]
        token, lifetime = self.issue_token(resource, identity[0], identity[1])
        return Response(200, {"access_token": token, "expires_on": str(int(time.time()) + lifetime),
                              "resource": resource, "token_type": "Bearer", "client_id": identity[0]})

    def imds_token(self, req: Request) -> Response:
        """The Instance Metadata Service managed-identity endpoint of VMs and Batch nodes."""
        if (req.header("Metadata") or "").lower() != "true":
            return Response(400, {"error": "invalid_request", "error_description": "Required metadata header not specified"})
        if not req.query.get("resource"):
            return Response(400, {"error": "invalid_request", "error_description": "Required query variable 'resource' is missing"})
        identity = self._managed_identity(req)
        if identity is None:
            return Response(400, {"error": "invalid_request", "error_description": "Identity not found"})
        resource = req.query["resource"]
        token, lifetime = self.issue_token(resource, identity[0], identity[1])
        now = int(time.time())
        return Response(200, {"access_token": token, "client_id": identity[0], "expires_in": str(lifetime),
                              "expires_on": str(now + lifetime), "ext_expires_in": str(lifetime),
                              "not_before": str(now), "resource": resource, "token_type": "Bearer"})

    # ------------------------------------------------------------------------------------------
    # ARM routes

    def route_arm(self, req: Request) -> Response:
        p, m = req.path, req.method
        SUB = r"/subscriptions/(?P<sub>[^/]+)"
        RG = r"(?:/resourcegroups/(?P<rg>[^/]+))?"
        DEP = r"/providers/Microsoft\.Resources/deployments"

        def match(pattern):
            return re.fullmatch(pattern, p, re.I)

        def groups(mt):
            return {k: (unquote(v) if v is not None else None) for k, v in mt.groupdict().items()}

        sub_m = re.match(SUB, p, re.I)
        if sub_m:
            wanted = self.sc("subscriptionId")
            if wanted and unquote(sub_m.group("sub")).lower() != str(wanted).lower():
                return Response(404, arm_error("SubscriptionNotFound",
                                               f"The subscription '{unquote(sub_m.group('sub'))}' could not be found."))

        mt = match(SUB + RG + DEP)
        if mt:
            g = groups(mt)
            return self.list_deployments(req, g["sub"], g["rg"]) if m == "GET" else self.not_allowed(req)
        mt = match(SUB + RG + DEP + r"/(?P<name>[^/]+)")
        if mt:
            g = groups(mt)
            if m == "PUT":
                return self.put_deployment(req, g["sub"], g["rg"], g["name"])
            if m in ("GET", "HEAD"):
                return self.get_deployment(req, g["sub"], g["rg"], g["name"])
            return self.not_allowed(req)
        mt = match(SUB + RG + DEP + r"/(?P<name>[^/]+)/operationStatuses/(?P<op>[^/]+)")
        if mt and m == "GET":
            g = groups(mt)
            return self.deployment_status(req, g["sub"], g["rg"], g["name"], g["op"])
        mt = match(SUB + RG + DEP + r"/(?P<name>[^/]+)/operations(?:/(?P<opid>[^/]+))?")
        if not mt:
            mt = match(SUB + r"/resourcegroups/(?P<rg>[^/]+)/deployments/(?P<name>[^/]+)/operations(?:/(?P<opid>[^/]+))?")
        if mt and m == "GET":
            g = groups(mt)
            return self.deployment_operations(req, g["sub"], g["rg"], g["name"], g.get("opid"))
        mt = match(SUB + RG + DEP + r"/(?P<name>[^/]+)/(?P<action>cancel|whatIf|validate|exportTemplate)")
        if mt:
            g = groups(mt)
            action = g["action"].lower()
            if action == "cancel" and m == "POST":
                return self.cancel_deployment(req, g["sub"], g["rg"], g["name"])
            if action == "whatif" and m == "POST":
                return self.what_if(req, g["sub"], g["rg"], g["name"])
            if action == "validate" and m == "POST":
                return self.validate_deployment(req, g["sub"], g["rg"], g["name"])
            if action == "exporttemplate" and m == "POST":
                return self.export_template(req, g["sub"], g["rg"], g["name"])
            return self.not_allowed(req)
        mt = match(SUB + r"/operationresults/(?P<token>[^/]+)") or \
            match(SUB + r"/providers/Microsoft\.Resources/locations/(?P<loc>[^/]+)/operationResults/(?P<token>[^/]+)")
        if mt and m == "GET":
            return self.what_if_result(req, unquote(mt.group("token")))
        if p == "/subscriptions" and m == "GET":
            subs = [self.subscription_json(s) for s in sorted(self.known_subscriptions())]
            return Response(200, {"value": subs, "count": {"type": "Total", "value": len(subs)}})
        mt = match(SUB)
        if mt and m == "GET":
            return Response(200, self.subscription_json(unquote(mt.group("sub"))))
        mt = match(SUB + r"/resourcegroups")
        if mt and m == "GET":
            sub = unquote(mt.group("sub"))
            return Response(200, {"value": [self.rg_json(r) for r in self.resource_groups(sub)]})
        mt = match(SUB + r"/resourcegroups/(?P<rg>[^/]+)")
        if mt and m in ("GET", "HEAD"):
            g = groups(mt)
            denied = self.check(req, "Microsoft.Resources/subscriptions/resourceGroups/read")
            if denied:
                return denied
            rg = self.lookup(f"/subscriptions/{g['sub']}/resourceGroups/{g['rg']}")
            if m == "HEAD":
                return Response(204 if rg else 404)
            if rg is None:
                return Response(404, arm_error("ResourceGroupNotFound", f"Resource group '{g['rg']}' could not be found."))
            return Response(200, self.rg_json(rg))
        # role definitions and assignments, permissions (at any scope)
        mt = re.fullmatch(r"(?P<scope>.*?)/providers/Microsoft\.Authorization/roleDefinitions(?:/(?P<id>[^/]+))?", p, re.I)
        if mt and m == "GET":
            return self.role_definitions(req, unquote(mt.group("scope")), mt.group("id"))
        mt = re.fullmatch(r"(?P<scope>.*?)/providers/Microsoft\.Authorization/roleAssignments", p, re.I)
        if mt and m == "GET":
            return self.role_assignments(req, unquote(mt.group("scope")))
        mt = re.fullmatch(r"(?P<scope>.*?)/providers/Microsoft\.Authorization/permissions", p, re.I)
        if mt and m == "GET":
            return self.permissions(req, unquote(mt.group("scope")))
        mt = match(SUB + r"/providers/(?P<ns>[A-Za-z0-9]+\.[A-Za-z0-9.]+)(?P<register>/register)?")
        if mt and ((m == "GET" and not mt.group("register")) or (m == "POST" and mt.group("register"))):
            ns = unquote(mt.group("ns"))
            return Response(200, {"id": f"/subscriptions/{unquote(mt.group('sub'))}/providers/{ns}", "namespace": ns,
                                  "registrationState": "Registered", "registrationPolicy": "RegistrationRequired",
                                  "resourceTypes": []})
        if re.match(SUB + r"/(resourcegroups/[^/]+/)?providers/.+", p, re.I):
            if m in ("GET", "HEAD"):
                return self.get_resource(req)
            return self.not_allowed(req)
        return Response(404, arm_error("NotFound", f"The requested path '{req.raw_path}' was not found."))

    def not_allowed(self, req: Request) -> Response:
        return Response(405, arm_error("MethodNotAllowed",
                                       f"The fake Azure does not serve {req.method} on '{req.raw_path}'."))

    # -- subscriptions, resource groups, resources

    def known_subscriptions(self) -> set:
        subs = {str(self.sc("subscriptionId"))} if self.sc("subscriptionId") else set()
        for r in self.all_resources():
            parsed = parse_resource_id(r["id"])
            if parsed["sub"]:
                subs.add(parsed["sub"])
        for d in self.deployments.values():
            subs.add(d.sub)
        return subs

    def subscription_json(self, sub: str) -> dict:
        return {"id": f"/subscriptions/{sub}", "authorizationSource": "RoleBased", "managedByTenants": [],
                "subscriptionId": sub, "tenantId": self.sc("tenant"), "displayName": "sblc fake subscription",
                "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                         "spendingLimit": "Off"}}

    def existing_resources(self) -> list[dict]:
        out = []
        for r in self.sc("existing") or []:
            if not isinstance(r, dict) or not r.get("id"):
                continue
            r = dict(r)
            parsed = parse_resource_id(r["id"])
            r.setdefault("type", parsed["type"])
            r.setdefault("name", parsed["name"])
            out.append(r)
        return out

    def all_resources(self) -> list[dict]:
        merged = {r["id"].lower(): r for r in self.existing_resources()}
        merged.update(self.created)
        return list(merged.values())

    def lookup(self, rid: str) -> dict | None:
        low = rid.rstrip("/").lower()
        if low in self.created:
            return self.created[low]
        for r in self.existing_resources():
            if r["id"].lower() == low:
                return r
        parsed = parse_resource_id(rid)
        if parsed["type"] == RESOURCE_GROUPS_TYPE:
            # a resource group also exists when something exists in it
            prefix = low + "/"
            for r in self.all_resources():
                if r["id"].lower().startswith(prefix):
                    return {"id": f"/subscriptions/{parsed['sub']}/resourceGroups/{parsed['rg']}", "name": parsed["rg"],
                            "type": RESOURCE_GROUPS_TYPE, "location": r.get("location") or "westeurope"}
        return None

    def resource_group_location(self, sub: str, rg: str) -> str | None:
        found = self.lookup(f"/subscriptions/{sub}/resourceGroups/{rg}")
        return found.get("location") if found else None

    def resource_groups(self, sub: str) -> list[dict]:
        names = {}
        for r in self.all_resources():
            parsed = parse_resource_id(r["id"])
            if parsed["sub"] and parsed["sub"].lower() == sub.lower() and parsed["rg"]:
                names.setdefault(parsed["rg"].lower(), parsed["rg"])
        return [self.lookup(f"/subscriptions/{sub}/resourceGroups/{n}") for n in names.values()]

    def rg_json(self, rg: dict) -> dict:
        out = {"id": rg["id"], "name": rg.get("name") or parse_resource_id(rg["id"])["rg"], "type": RESOURCE_GROUPS_TYPE,
               "location": rg.get("location", "westeurope")}
        if rg.get("tags"):
            out["tags"] = rg["tags"]
        if rg.get("managedBy"):
            out["managedBy"] = rg["managedBy"]
        out["properties"] = {"provisioningState": "Succeeded"}
        return out

    def get_resource(self, req: Request) -> Response:
        parsed = parse_resource_id(req.path)
        if parsed["type"]:
            denied = self.check(req, f"{parsed['type']}/read")
            if denied:
                return denied
        found = self.lookup(unquote(req.path))
        if found is None:
            if req.method == "HEAD":
                return Response(404)
            if parsed["rg"] and self.lookup(f"/subscriptions/{parsed['sub']}/resourceGroups/{parsed['rg']}") is None:
                return Response(404, arm_error("ResourceGroupNotFound", f"Resource group '{parsed['rg']}' could not be found."))
            rest = req.path.split("/providers/", 1)[1] if "/providers/" in req.path else req.path
            where = f"under resource group '{parsed['rg']}'" if parsed["rg"] else f"under subscription '{parsed['sub']}'"
            return Response(404, arm_error("ResourceNotFound",
                                           f"The Resource '{unquote(rest)}' {where} was not found. For more details please "
                                           "go to https://aka.ms/ARMResourceNotFoundFix"))
        if req.method == "HEAD":
            return Response(204)
        return Response(200, self.resource_json(found))

    def resource_json(self, r: dict) -> dict:
        out = {"id": r["id"], "name": (r.get("name") or "").split("/")[-1], "type": r.get("type")}
        for key in ("kind", "location", "tags", "sku", "zones", "plan", "identity", "managedBy"):
            if r.get(key) is not None:
                out[key] = copy.deepcopy(r[key])
        identity = out.get("identity")
        if isinstance(identity, dict):
            kind = str(identity.get("type", ""))
            if "systemassigned" in kind.lower().replace(" ", "").replace(",", ""):
                identity.setdefault("principalId", hash_guid("principal", r["id"]))
                identity.setdefault("tenantId", self.sc("tenant"))
            for uid, value in list((identity.get("userAssignedIdentities") or {}).items()):
                if isinstance(value, dict):
                    value.setdefault("principalId", hash_guid("principal", uid.lower()))
                    value.setdefault("clientId", hash_guid("client", uid.lower()))
        props = copy.deepcopy(r.get("properties") or {})
        if isinstance(props, dict):
            props.setdefault("provisioningState", "Succeeded")
        out["properties"] = props
        return out

    # -- deployments

    def deployment_error_if_invalid_body(self, req: Request, sub: str, rg: str | None, name: str):
        """Parses and checks a deployment request body; returns (body, template, error response)."""
        try:
            body = req.json_body()
        except ValueError as e:
            return None, None, Response(400, arm_error("InvalidRequestContent",
                                                       f"The request content was invalid and could not be deserialized: '{e}'."))
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            return None, None, Response(400, arm_error(
                "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                "'Required property 'properties' not found in JSON. Path '', line 1, position 1.'."))
        if not re.fullmatch(r"[-\w._()]{1,64}", name):
            return None, None, Response(400, arm_error(
                "InvalidDeploymentName", f"The deployment name '{name}' is invalid. It can contain alphanumeric, underscore, "
                "parentheses, hyphen and period (except at end) characters and must be at most 64 characters long."))
        if rg is None and not body.get("location"):
            return None, None, Response(400, arm_error(
                "InvalidDeployment", f"The 'location' property must be specified for '{name}'. Please see "
                "https://aka.ms/deploy-to-subscription for usage details."))
        if rg is not None and self.lookup(f"/subscriptions/{sub}/resourceGroups/{rg}") is None:
            return None, None, Response(404, arm_error("ResourceGroupNotFound", f"Resource group '{rg}' could not be found."))
        props = body["properties"]
        template = props.get("template")
        if template is None:
            if props.get("templateLink"):
                return None, None, Response(400, arm_error(
                    "InvalidTemplateLink", "The fake Azure accepts inline templates only (properties.template)."))
            return None, None, Response(400, arm_error(
                "InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                "'Required property 'template' not found in JSON.'."))
        if not isinstance(template, dict):
            return None, None, Response(400, arm_error("InvalidTemplate", "Deployment template validation failed: "
                                                                          "'The template must be a JSON object.'."))
        mode = props.get("mode", "Incremental")
        if str(mode).lower() not in ("incremental", "complete"):
            return None, None, Response(400, arm_error(
                "InvalidRequestContent", f"The request content was invalid and could not be deserialized: "
                f"'Error converting value \"{mode}\" to type 'DeploymentMode'.'."))
        return body, template, None

    def put_deployment(self, req: Request, sub: str, rg: str | None, name: str) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/write")
        if denied:
            return denied
        body, template, error = self.deployment_error_if_invalid_body(req, sub, rg, name)
        if error:
            return error
        scope_id = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
        old = self.deployments.get((scope_id.lower(), name.lower()))
        if old is not None and not old.terminal():
            return Response(409, arm_error(
                "DeploymentActive", f"Unable to edit or replace deployment '{name}': previous deployment from "
                f"'{time.strftime('%m/%d/%Y %I:%M:%S %p', time.gmtime(old.created))}' is still active (expiration time is "
                f"'{time.strftime('%m/%d/%Y %I:%M:%S %p', time.gmtime(old.created + 7 * 86400))}'). Please see "
                "https://aka.ms/arm-deploy for usage details."))
        if old is not None and rg is None and old.location and body.get("location") and \
                old.location.replace(" ", "").lower() != str(body["location"]).replace(" ", "").lower():
            return Response(400, arm_error(
                "InvalidDeploymentLocation", f"Invalid deployment location '{body['location']}'. The deployment "
                f"'{name}' already exists in location '{old.location}'."))
        try:
            top = self.plan(req, sub, rg, name, body, template)
        except TemplateError as e:
            return Response(400, arm_error("InvalidTemplate", f"Deployment template validation failed: '{e}'."))
        for d in top.all_deployments():
            self.deployments[d.key] = d
        self.status_urls[top.status_id] = top
        status_url = (f"{req.origin}{top.id}/operationStatuses/{top.status_id}"
                      f"?api-version={req.query['api-version']}")
        return Response(201, self.deployment_json(top), [
            ("Azure-AsyncOperation", status_url), ("Retry-After", str(self.retry_after()))])

    def retry_after(self) -> int:
        try:
            return max(int(self.sc("retryAfter")), 0)
        except (TypeError, ValueError):
            return 0

    def find_deployment(self, sub: str, rg: str | None, name: str) -> Deployment | None:
        scope_id = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
        return self.deployments.get((scope_id.lower(), name.lower()))

    def deployment_not_found(self, name: str) -> Response:
        return Response(404, arm_error("DeploymentNotFound", f"Deployment '{name}' could not be found."))

    def list_deployments(self, req: Request, sub: str, rg: str | None) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/read")
        if denied:
            return denied
        scope_id = (f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")).lower()
        found = [d for (scope, _), d in self.deployments.items() if scope == scope_id]
        found.sort(key=lambda d: d.created, reverse=True)
        return Response(200, {"value": [self.deployment_json(d) for d in found]})

    def get_deployment(self, req: Request, sub: str, rg: str | None, name: str) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/read")
        if denied:
            return denied
        d = self.find_deployment(sub, rg, name)
        if req.method == "HEAD":
            return Response(204 if d else 404)
        if d is None:
            return self.deployment_not_found(name)
        if d is d.top and not d.status_polled:
            self.poll(d)    # a client polling the deployment itself, not its status URL, still progresses
        return Response(200, self.deployment_json(d))

    def deployment_status(self, req: Request, sub: str, rg: str | None, name: str, op: str) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/read")
        if denied:
            return denied
        d = self.status_urls.get(op)
        if d is None or d.name.lower() != name.lower() or (d.rg or "").lower() != (rg or "").lower():
            return Response(404, arm_error("DeploymentNotFound", f"Deployment '{name}' could not be found."))
        d.status_polled = True
        self.poll(d)
        if d.state in ("Accepted", "Running"):
            return Response(200, {"status": "Running"}, [("Retry-After", str(self.retry_after()))])
        if d.state == "Failed":
            return Response(200, {"status": "Failed", "error": d.error})
        return Response(200, {"status": d.state})

    def cancel_deployment(self, req: Request, sub: str, rg: str | None, name: str) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/cancel/action")
        if denied:
            return denied
        d = self.find_deployment(sub, rg, name)
        if d is None:
            return self.deployment_not_found(name)
        top = d.top
        if d.terminal() or top.terminal():
            return Response(409, arm_error(
                "DeploymentCannotBeCancelled",
                f"The deployment '{name}' cannot be cancelled because it is in '{d.state}' state. Only deployments in "
                "'Accepted' or 'Running' state can be cancelled."))
        top.canceled = True
        top.ended = time.time()
        for dep in top.all_deployments():
            if not dep.terminal():
                dep.state = "Canceled"
                dep.ended = top.ended
        return Response(204)

    def deployment_operations(self, req: Request, sub: str, rg: str | None, name: str, opid: str | None) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/operations/read")
        if denied:
            return denied
        d = self.find_deployment(sub, rg, name)
        if d is None:
            return self.deployment_not_found(name)
        ops = self.operations_json(d)
        if opid is not None:
            for o in ops:
                if o["operationId"].lower() == opid.lower():
                    return Response(200, o)
            return Response(404, arm_error("DeploymentOperationNotFound",
                                           f"Deployment operation '{opid}' could not be found."))
        top_n = req.query.get("$top")
        if top_n and top_n.isdigit():
            ops = ops[: int(top_n)]
        return Response(200, {"value": ops})

    def planned(self, req: Request, sub: str, rg: str | None, name: str, action: str):
        """Checks the caller may do `action`, reads the body and plans it: (body, plan, None), or
        (None, None, the error response)."""
        denied = self.check(req, action)
        if denied:
            return None, None, denied
        body, template, error = self.deployment_error_if_invalid_body(req, sub, rg, name)
        if error:
            return None, None, error
        try:
            return body, self.plan(req, sub, rg, name, body, template), None
        except TemplateError as e:
            return None, None, Response(
                400, arm_error("InvalidTemplate", f"Deployment template validation failed: '{e}'."))

    def validate_deployment(self, req: Request, sub: str, rg: str | None, name: str) -> Response:
        body, d, error = self.planned(req, sub, rg, name, "Microsoft.Resources/deployments/validate/action")
        if error:
            return error
        out = self.deployment_json(d)
        out["properties"]["provisioningState"] = "Succeeded"
        out["properties"]["duration"] = "PT0S"
        out["properties"]["validatedResources"] = [{"id": op.id} for dep in d.all_deployments() for op in dep.ops]
        return Response(200, out)

    def export_template(self, req: Request, sub: str, rg: str | None, name: str) -> Response:
        denied = self.check(req, "Microsoft.Resources/deployments/exportTemplate/action")
        if denied:
            return denied
        d = self.find_deployment(sub, rg, name)
        if d is None:
            return self.deployment_not_found(name)
        return Response(200, {"template": d.template})

    # -- planning

    def plan(self, req: Request, sub: str, rg: str | None, name: str, body: dict, template: dict) -> Deployment:
        props = body["properties"]
        provided = self.provided_parameters(props.get("parameters") or {})
        correlation = req.header("x-ms-correlation-request-id") or str(uuid.uuid4())
        ctx = Ctx(self, sub, rg, name, template, provided, body.get("location"), {})
        top = Deployment(self, sub, rg, name, body.get("location"), body, template, ctx,
                         req.query["api-version"], correlation, None)
        planner = Planner(self, req.claims or {}, top)
        planner.plan(top)
        try:
            steps = int(self.sc("pollsUntilDone"))
        except (TypeError, ValueError):
            steps = 1
        top.steps = max(steps, 0)
        top.sequence = planner.sequence(top)
        for i, op in enumerate(top.sequence, 1):
            op.rank = i
        return top

    @staticmethod
    def provided_parameters(params: dict) -> dict:
        out = {}
        if not isinstance(params, dict):
            raise TemplateError("The parameters must be a JSON object.")
        for k, v in params.items():
            if isinstance(v, dict) and "value" in v:
                out[k] = v["value"]
            elif isinstance(v, dict) and "reference" in v:
                out[k] = f"[reference(keyVaultSecret '{(v['reference'].get('secretName') or '')}')]"
            else:
                out[k] = v
        return out

    # -- progress

    def poll(self, top: Deployment):
        if top.terminal():
            return
        top.polls += 1
        self.advance(top)

    def advance(self, top: Deployment):
        """Completes the operations due at the current poll count, in order, and finishes the
        deployment after the last one."""
        if top.canceled:
            return
        n = len(top.sequence)
        slow = bool(self.sc("slowDeployment"))
        if top.polls > top.steps and not slow:
            due = n
        else:
            due = (top.polls * n) // (top.steps + 1)
            if slow:
                due = min(due, max(n - 1, 0))
        if top.polls > 0:
            for dep in top.all_deployments():
                if dep.state == "Accepted":
                    dep.state = "Running"
        now = time.time()
        while top.done_count < due:
            op = top.sequence[top.done_count]
            top.done_count += 1
            op.finished = now
            if op.outcome == "Succeeded" and op.child is None:
                self.created[op.id.lower()] = copy.deepcopy(op.body)
            if op.child is not None:
                child = op.child
                child.ended = now
                child.state = "Succeeded" if op.outcome == "Succeeded" else "Failed"
                if child.state == "Succeeded":
                    child.outputs = self.evaluate_outputs(child)
        if top.done_count >= n and top.polls > top.steps and not slow:
            top.ended = now
            failed = [op for op in top.ops if op.outcome == "Failed"]
            if failed:
                top.state = "Failed"
            else:
                top.state = "Succeeded"
                top.outputs = self.evaluate_outputs(top)

    def evaluate_outputs(self, d: Deployment) -> dict:
        out = {}
        for key, decl in (d.template.get("outputs") or {}).items():
            if not isinstance(decl, dict):
                continue
            otype = str(decl.get("type", "string"))
            cap = {"string": "String", "int": "Int", "bool": "Bool", "object": "Object", "array": "Array",
                   "securestring": "SecureString", "secureobject": "SecureObject"}.get(otype.lower(), otype)
            if cap.startswith("Secure"):
                out[key] = {"type": cap}
                continue
            cond = decl.get("condition")
            if cond is not None and d.ctx.ev(cond) is False:
                continue
            value = d.ctx.ev(decl.get("value"))
            out[key] = {"type": cap, "value": plausible(value, key)}
        return out

    # -- rendering

    def deployment_json(self, d: Deployment) -> dict:
        ctx = d.ctx
        params_decl = d.template.get("parameters") or {}
        params = {}
        for pname, decl in params_decl.items():
            ptype = str((decl or {}).get("type", "string"))
            cap = {"string": "String", "int": "Int", "bool": "Bool", "object": "Object", "array": "Array",
                   "securestring": "SecureString", "secureobject": "SecureObject"}.get(ptype.lower(), ptype)
            if cap.startswith("Secure"):
                params[pname] = {"type": cap}
                continue
            try:
                params[pname] = {"type": cap, "value": ctx.parameter(pname)}
            except Unevaluable:
                params[pname] = {"type": cap}
        end = d.ended if d.ended is not None else time.time()
        props = {
            "templateHash": template_hash(d.template),
            "parameters": params,
            "mode": d.mode,
            "provisioningState": d.state,
            "timestamp": now_iso(end if d.terminal() else d.created),
            "duration": iso_duration(end - d.created),
            "correlationId": d.top.correlation_id,
            "providers": self.providers_json(d),
            "dependencies": self.dependencies_json(d),
        }
        if d.state == "Succeeded":
            props["outputs"] = d.outputs or {}
            props["outputResources"] = [{"id": op.id} for op in d.leaf_resources()
                                        if op.outcome == "Succeeded"]
        if d.state == "Failed" and d.error:
            props["error"] = d.error
        out = {"id": d.id, "name": d.name, "type": DEPLOYMENTS_TYPE}
        if d.location:
            out["location"] = d.location
        if d.tags:
            out["tags"] = d.tags
        out["properties"] = props
        return out

    @staticmethod
    def providers_json(d: Deployment) -> list:
        by_ns: dict = {}
        for op in d.ops:
            ns, _, rest = op.type.partition("/")
            loc = op.body.get("location")
            entry = by_ns.setdefault(ns.lower(), {"namespace": ns, "resourceTypes": {}})
            locs = entry["resourceTypes"].setdefault(rest, [])
            if isinstance(loc, str) and not is_expression(loc) and loc not in locs:
                locs.append(loc)
        return [{"namespace": e["namespace"],
                 "resourceTypes": [{"resourceType": t, "locations": l} if l else {"resourceType": t}
                                   for t, l in e["resourceTypes"].items()]}
                for e in by_ns.values()]

    @staticmethod
    def dependencies_json(d: Deployment) -> list:
        out = []
        for op in d.ops:
            if not op.dep_ops:
                continue
            out.append({"dependsOn": [{"id": x.id, "resourceType": x.type, "resourceName": x.name} for x in op.dep_ops],
                        "id": op.id, "resourceType": op.type, "resourceName": op.name})
        return out

    def operations_json(self, d: Deployment) -> list:
        top = d.top
        out = []
        for op in d.ops:
            if op.outcome == "Skipped":
                continue
            done = op.rank <= top.done_count
            if done:
                state = op.outcome
            elif top.canceled or d.state == "Canceled":
                state = "Canceled"
            else:
                state = "Running"
            end = op.finished if done else time.time()
            props = {
                "provisioningOperation": "Create",
                "provisioningState": state,
                "timestamp": now_iso(end),
                "duration": iso_duration(end - d.created),
                "trackingId": op.tracking_id,
            }
            if done:
                props["serviceRequestId"] = op.service_request_id
                props["statusCode"] = op.status_code
                if op.outcome == "Failed":
                    props["statusMessage"] = {"status": "Failed", "error": op.error}
            target = {"id": op.id, "resourceType": op.type, "resourceName": op.name}
            if op.api_version:
                target["apiVersion"] = op.api_version
            props["targetResource"] = target
            out.append({"id": f"{d.id}/operations/{op.operation_id}", "operationId": op.operation_id,
                        "properties": props})
        if d.state == "Succeeded" and d.template.get("outputs"):
            oid = hash_guid(d.id, "outputs")[:16].replace("-", "").upper()
            end = d.ended or time.time()
            out.append({"id": f"{d.id}/operations/{oid}", "operationId": oid, "properties": {
                "provisioningOperation": "EvaluateDeploymentOutput", "provisioningState": "Succeeded",
                "timestamp": now_iso(end), "duration": iso_duration(0.01), "trackingId": hash_guid(d.id, "track"),
                "statusCode": "OK", "statusMessage": {"outputs": d.outputs or {}}}})
        return out

    # -- what-if

    def what_if(self, req: Request, sub: str, rg: str | None, name: str) -> Response:
        body, d, error = self.planned(req, sub, rg, name, "Microsoft.Resources/deployments/whatIf/action")
        if error:
            return error
        settings = body["properties"].get("whatIfSettings") or {}
        result = self.what_if_changes(d, str(settings.get("resultFormat", "FullResourcePayloads")))
        location = body.get("location") or self.resource_group_location(sub, rg) or "westeurope"
        job = {"jobId": f"DeploymentWhatIfJob-{name.upper()}-{uuid.uuid4()}", "jobLocation": location.replace(" ", "").lower()}
        token = b64url(json.dumps(job, separators=(",", ":")).encode())
        try:
            steps = max(int(self.sc("pollsUntilDone")), 0)
        except (TypeError, ValueError):
            steps = 1
        self.whatifs[token] = {"sub": sub, "polls": 0, "steps": steps, "result": result,
                               "api": req.query["api-version"]}
        url = f"{req.origin}/subscriptions/{sub}/operationresults/{token}?api-version={req.query['api-version']}"
        return Response(202, None, [("Location", url), ("Retry-After", str(self.retry_after()))])

    def what_if_result(self, req: Request, token: str) -> Response:
        job = self.whatifs.get(token)
        if job is None:
            return Response(404, arm_error("NotFound", "The operation result could not be found."))
        job["polls"] += 1
        if job["polls"] <= job["steps"]:
            url = f"{req.origin}{req.raw_path}?{req.query_string}"
            return Response(202, None, [("Location", url), ("Retry-After", str(self.retry_after()))])
        return Response(200, job["result"])

    def what_if_changes(self, d: Deployment, result_format: str) -> dict:
        changes = []
        in_template = set()
        scopes = set()
        for dep in d.all_deployments(include_skipped=True):
            if dep.rg:
                scopes.add((dep.sub.lower(), dep.rg.lower(), dep.mode.lower()))
            for op in dep.ops:
                if op.kind == "deployment":
                    continue
                in_template.add(op.id.lower())
                after = copy.deepcopy(op.body)
                before = self.lookup(op.id)
                if before is None:
                    change = {"resourceId": op.id, "changeType": "Create", "after": after}
                else:
                    before = self.payload_from_state(before, op)
                    delta = what_if_delta(before, after)
                    if delta:
                        change = {"resourceId": op.id, "changeType": "Modify", "before": before, "after": after,
                                  "delta": delta}
                    else:
                        change = {"resourceId": op.id, "changeType": "NoChange", "before": before, "after": after}
                changes.append(change)
        for r in self.all_resources():
            rid = r["id"]
            if rid.lower() in in_template or (r.get("type") or "").lower() == RESOURCE_GROUPS_TYPE.lower():
                continue
            parsed = parse_resource_id(rid)
            if not parsed["rg"]:
                continue
            for sub, rg, mode in scopes:
                if (parsed["sub"] or "").lower() == sub and parsed["rg"].lower() == rg:
                    before = self.payload_from_state(r, None)
                    changes.append({"resourceId": rid, "changeType": "Delete" if mode == "complete" else "Ignore",
                                    "before": before})
                    break
        if result_format.lower() == "resourceidonly":
            changes = [{"resourceId": c["resourceId"], "changeType": c["changeType"]} for c in changes]
        return {"status": "Succeeded", "properties": {"changes": changes}}

    @staticmethod
    def payload_from_state(r: dict, op: Op | None) -> dict:
        out = {}
        if op is not None and op.api_version:
            out["apiVersion"] = op.api_version
        elif r.get("apiVersion"):
            out["apiVersion"] = r["apiVersion"]
        out["id"] = r["id"]
        out["name"] = r.get("name") or parse_resource_id(r["id"])["name"]
        out["type"] = r.get("type") or parse_resource_id(r["id"])["type"]
        for key in ("kind", "location", "tags", "sku", "zones", "plan", "identity", "managedBy", "properties"):
            if r.get(key) is not None:
                out[key] = copy.deepcopy(r[key])
        return out

    # -- role assignments, definitions, permissions

    def role_assignment_list(self, sub_hint: str | None) -> list[dict]:
        entries = self.sc("roleAssignments")
        if entries is None:
            entries = [{"principalId": self.sc("objectId"), "roleName": "Owner", "scope": "/subscriptions/{subscription}"}]
        out = []
        for e in entries:
            if not isinstance(e, dict):
                continue
            scope = str(e.get("scope") or "/subscriptions/{subscription}")
            if "{subscription}" in scope:
                if not sub_hint:
                    continue
                scope = scope.replace("{subscription}", sub_hint)
            role_id = e.get("roleDefinitionId")
            role_name = e.get("roleName")
            if role_id:
                role_id = role_id.rstrip("/").split("/")[-1]
                role_name = role_name or ROLE_BY_ID.get(role_id, "Custom role")
            else:
                role_name = role_name or "Reader"
                role_id = BUILTIN_ROLES[role_name][0] if role_name in BUILTIN_ROLES else hash_guid("role", role_name)
            principal = str(e.get("principalId") or self.sc("objectId"))
            name = e.get("name") or hash_guid(scope.lower(), principal.lower(), role_id)
            out.append({"scope": scope, "principalId": principal, "roleId": role_id, "roleName": role_name,
                        "principalType": e.get("principalType") or "ServicePrincipal", "name": name,
                        "condition": e.get("condition")})
        for r in self.created.values():
            if (r.get("type") or "").lower() != ROLE_ASSIGNMENTS_TYPE.lower():
                continue
            props = r.get("properties") or {}
            principal, role = props.get("principalId"), props.get("roleDefinitionId")
            if not isinstance(principal, str) or is_expression(principal) or not isinstance(role, str) or is_expression(role):
                continue
            scope = r["id"].rsplit("/providers/Microsoft.Authorization/roleAssignments/", 1)[0]
            role_id = role.rstrip("/").split("/")[-1]
            out.append({"scope": scope, "principalId": principal, "roleId": role_id,
                        "roleName": ROLE_BY_ID.get(role_id, "Custom role"),
                        "principalType": props.get("principalType") or "ServicePrincipal",
                        "name": r["id"].rstrip("/").split("/")[-1], "condition": props.get("condition")})
        return out

    def role_assignments(self, req: Request, scope: str) -> Response:
        denied = self.check(req, "Microsoft.Authorization/roleAssignments/read")
        if denied:
            return denied
        sub = parse_resource_id(scope)["sub"]
        flt = req.query.get("$filter", "")
        principal = None
        m = re.search(r"assignedTo\('([^']*)'\)", flt, re.I) or re.search(r"principalId\s+eq\s+'([^']*)'", flt, re.I)
        if m:
            principal = m.group(1).lower()
        at_scope = bool(re.search(r"atScope\(\)", flt, re.I))
        items = []
        for a in self.role_assignment_list(sub):
            above = same_or_below(a["scope"], scope)          # assignment at or above the scope
            below = same_or_below(scope, a["scope"])
            if not (above or (below and not at_scope)):
                continue
            if principal and a["principalId"].lower() != principal:
                continue
            items.append(self.role_assignment_json(a, sub))
        return Response(200, {"value": items})

    def role_assignment_json(self, a: dict, sub: str | None) -> dict:
        role_sub = sub or parse_resource_id(a["scope"])["sub"]
        role_def = (f"/subscriptions/{role_sub}" if role_sub else "") + \
            f"/providers/Microsoft.Authorization/roleDefinitions/{a['roleId']}"
        scope = a["scope"]
        return {
            "properties": {"roleDefinitionId": role_def, "principalId": a["principalId"],
                           "principalType": a["principalType"], "scope": scope, "condition": a["condition"],
                           "conditionVersion": "2.0" if a["condition"] else None,
                           "createdOn": "2024-01-01T00:00:00.0000000Z", "updatedOn": "2024-01-01T00:00:00.0000000Z",
                           "createdBy": None, "updatedBy": None, "delegatedManagedIdentityResourceId": None,
                           "description": None},
            "id": f"{'' if scope == '/' else scope}/providers/Microsoft.Authorization/roleAssignments/{a['name']}",
            "type": ROLE_ASSIGNMENTS_TYPE, "name": a["name"],
        }

    def role_definitions(self, req: Request, scope: str, role_id: str | None) -> Response:
        denied = self.check(req, "Microsoft.Authorization/roleDefinitions/read")
        if denied:
            return denied
        if role_id is not None:
            role_id = unquote(role_id)
            name = ROLE_BY_ID.get(role_id.lower())
            if name is None:
                return Response(404, arm_error("RoleDefinitionDoesNotExist",
                                               f"The specified role definition with ID '{role_id}' does not exist."))
            return Response(200, self.role_definition_json(name, scope))
        flt = req.query.get("$filter", "")
        m = re.search(r"roleName\s+eq\s+'([^']*)'", flt, re.I)
        names = [n for n in BUILTIN_ROLES if not m or n.lower() == m.group(1).lower()]
        return Response(200, {"value": [self.role_definition_json(n, scope) for n in names]})

    @staticmethod
    def role_definition_json(name: str, scope: str) -> dict:
        rid, description, actions, not_actions, data_actions = BUILTIN_ROLES[name]
        return {
            "properties": {"roleName": name, "type": "BuiltInRole", "description": description, "assignableScopes": ["/"],
                           "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": data_actions,
                                            "notDataActions": []}],
                           "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2024-01-01T00:00:00.0000000Z",
                           "createdBy": None, "updatedBy": None},
            "id": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{rid}",
            "type": "Microsoft.Authorization/roleDefinitions", "name": rid,
        }

    def permissions(self, req: Request, scope: str) -> Response:
        oid = (req.claims or {}).get("oid", "").lower()
        sub = parse_resource_id(scope)["sub"]
        value = []
        for a in self.role_assignment_list(sub):
            if a["principalId"].lower() != oid or not same_or_below(a["scope"], scope):
                continue
            name = a["roleName"]
            if name in BUILTIN_ROLES:
                _, _, actions, not_actions, data_actions = BUILTIN_ROLES[name]
                value.append({"actions": actions, "notActions": not_actions + list(self.sc("forbid") or []),
                              "dataActions": data_actions, "notDataActions": []})
        return Response(200, {"value": value})


# ---------------------------------------------------------------------------------------------
# Planning a deployment: templates to operations

class Planner:
    def __init__(self, app: App, claims: dict, top: Deployment):
        self.app = app
        self.claims = claims
        self.top = top
        self.failures = [f for f in (app.sc("failures") or []) if isinstance(f, dict)]
        # resource groups the deployment tree creates, for nested deployments and resourceGroup()
        self.planned_groups: dict = {}

    def plan(self, d: Deployment):
        check_template(d.ctx.template, d.ctx)
        ops = []
        for raw, res_ctx in expand_resources(d.template, d.ctx):
            ops.extend(self.plan_resource(d, raw, res_ctx, None))
        order_and_link(ops)
        d.ops = ops
        self.decide(d)

    def plan_resource(self, d: Deployment, raw: dict, ctx: Ctx, parent: tuple | None) -> list[Op]:
        rtype = raw.get("type")
        if not isinstance(rtype, str) or "/" not in rtype:
            if parent is None:
                raise TemplateError(f"The template resource '{raw.get('name')}' is missing a valid 'type'.")
        name_raw = raw.get("name")
        if parent is not None:
            rtype = f"{parent[0]}/{rtype}"
        if raw.get("existing") is True:
            return []
        if "condition" in raw:
            cond = ctx.ev(raw["condition"])
            if cond is False or (isinstance(cond, str) and cond.lower() == "false"):
                return []
        symbolic = raw.get("__symbolic")
        copy_text = "" if not ctx.copy_index else "#" + str(ctx.copy_index.get(""))
        # the name: literal names are used as written; an expression is not evaluated, the name is
        # derived from a hash of its text
        type_parts = rtype.split("/")
        if isinstance(name_raw, str) and is_expression(name_raw):
            segs = [hash_guid(name_raw + copy_text, str(i)) for i in range(len(type_parts) - 1)]
            if parent is not None:
                segs = parent[1] + segs[len(parent[1]):]
        else:
            name = name_raw[1:] if isinstance(name_raw, str) and name_raw.startswith("[[") else name_raw
            if not isinstance(name, str) or not name:
                raise TemplateError(f"The template resource of type '{rtype}' is missing a 'name'.")
            segs = name.split("/")
            if parent is not None:
                segs = parent[1] + segs
            if len(segs) != len(type_parts) - 1 and rtype.lower() != RESOURCE_GROUPS_TYPE.lower():
                raise TemplateError(
                    f"The template resource '{name}' for type '{rtype}' at line '1' and column '1' has incorrect segment "
                    "lengths. A nested resource type must have identical number of segments as its resource name. A root "
                    "resource type must have segment length one greater than its resource name. Please see "
                    "https://aka.ms/arm-syntax-resources for usage details.")
        full_name = "/".join(segs)
        api = raw.get("apiVersion")
        kind = "resource"
        if rtype.lower() == DEPLOYMENTS_TYPE.lower():
            return [self.plan_nested(d, raw, ctx, full_name, symbolic)]
        if rtype.lower() == RESOURCE_GROUPS_TYPE.lower():
            kind = "resourceGroup"
            rid = f"/subscriptions/{d.sub}/resourceGroups/{full_name}"
        else:
            scope_value = raw.get("scope")
            if scope_value is not None:
                scope_eval = ctx.ev(scope_value)
                if isinstance(scope_eval, str) and scope_eval.startswith("/") and not is_expression(scope_eval):
                    scope_id = scope_eval.rstrip("/")
                elif isinstance(scope_eval, str) and not is_expression(scope_eval):
                    scope_id = f"{d.scope_id}/providers/{scope_eval.strip('/')}"
                else:
                    scope_id = f"{d.scope_id}/providers/Microsoft.Fake/unevaluatedScopes/{hash_guid(str(scope_value))}"
                rid = build_resource_id(scope_id, rtype, segs)
            else:
                rid = build_resource_id(d.scope_id, rtype, segs)
        body = {"id": rid, "name": full_name, "type": rtype}
        if api:
            body["apiVersion"] = api
        for key in ("kind", "location", "tags", "sku", "zones", "plan", "identity", "managedBy", "properties"):
            if key in raw:
                body[key] = ctx.ev(raw[key])
        if kind == "resourceGroup":
            loc = body.get("location")
            self.planned_groups[(d.sub.lower(), full_name.lower())] = loc
            d.ctx.rg_locations[full_name.lower()] = loc
        op = Op(kind, rid, rtype, full_name, api, body, symbolic)
        op.deps = [ctx.ev(x) for x in (raw.get("dependsOn") or [])]
        ops = [op]
        for child in raw.get("resources") or []:
            if isinstance(child, dict):
                child_ops = self.plan_resource(d, child, ctx, (rtype, segs))
                for c in child_ops:
                    c.deps.append(rid)
                ops.extend(child_ops)
        return ops

    def plan_nested(self, d: Deployment, raw: dict, ctx: Ctx, name: str, symbolic) -> Op:
        props = raw.get("properties") or {}
        sub = ctx.ev(raw.get("subscriptionId")) if raw.get("subscriptionId") else d.sub
        rg_value = raw.get("resourceGroup")
        if rg_value is not None:
            rg = ctx.ev(rg_value)
            if not isinstance(rg, str) or is_expression(rg):
                rg = "rg-" + hash_guid(str(rg_value))[:8]
        elif raw.get("subscriptionId") and d.rg is None:
            rg = None
        else:
            rg = d.rg
        if not isinstance(sub, str) or is_expression(sub):
            sub = d.sub
        template = props.get("template")
        if template is None:
            if props.get("templateLink"):
                raise TemplateError(f"The nested deployment '{name}' uses templateLink; the fake Azure accepts inline "
                                    "templates only.")
            raise TemplateError(f"The nested deployment '{name}' has no template.")
        scope = str(((props.get("expressionEvaluationOptions") or {}).get("scope")) or "outer").lower()
        location = ctx.ev(raw.get("location")) if raw.get("location") else None
        if scope == "inner":
            provided = {}
            for k, v in (props.get("parameters") or {}).items():
                if isinstance(v, dict) and "value" in v:
                    provided[k] = ctx.ev(v["value"])
                elif isinstance(v, dict) and "reference" in v:
                    provided[k] = "[reference(keyVaultSecret)]"
            child_ctx = Ctx(self.app, sub, rg, name, template, provided, location, d.ctx.rg_locations)
        else:
            # outer scope: the nested template is evaluated in its parent's context
            child_ctx = copy.copy(ctx)
            child_ctx.template = dict(template)
            child_ctx.template["parameters"] = d.template.get("parameters") or {}
            child_ctx.template["variables"] = d.template.get("variables") or {}
            child_ctx.deployment_name = name
        body = {"location": location, "properties": props}
        if raw.get("tags"):
            body["tags"] = raw["tags"]
        child = Deployment(self.app, sub, rg, name, location if rg is None else None, body, template, child_ctx,
                           d.api_version, d.correlation_id, d)
        child_scope = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
        # resource ids inside an outer-scoped template are still built at the nested deployment's scope
        op = Op("deployment", f"{child_scope}/providers/{DEPLOYMENTS_TYPE}/{name}", DEPLOYMENTS_TYPE, name,
                raw.get("apiVersion"), {"location": location} if location else {}, symbolic)
        op.deps = [ctx.ev(x) for x in (raw.get("dependsOn") or [])]
        op.child = child
        self.plan(child)
        return op

    def decide(self, d: Deployment):
        """Outcomes: forbidden writes and scenario failures fail; what depends on a failure is
        skipped; a nested deployment fails when one of its operations does."""
        for op in d.ops:
            if any(dep.outcome in ("Failed", "Skipped") for dep in op.dep_ops):
                op.outcome = "Skipped"
                continue
            existed = self.app.lookup(op.id) is not None
            op.existed = existed
            op.status_code = "OK" if existed else "Created"
            if op.kind == "deployment":
                child = op.child
                rg_missing = child.rg and self.app.lookup(f"/subscriptions/{child.sub}/resourceGroups/{child.rg}") is None \
                    and (child.sub.lower(), child.rg.lower()) not in self.planned_groups
                action = "Microsoft.Resources/deployments/write"
                if rg_missing:
                    op.outcome, op.status_code = "Failed", "NotFound"
                    op.error = {"code": "ResourceGroupNotFound", "message": f"Resource group '{child.rg}' could not be found."}
                    for cop in child.ops:
                        cop.outcome = "Skipped"
                    child.error = op.error
                elif self.app.forbidden(action):
                    op.outcome, op.status_code = "Failed", "Forbidden"
                    op.error = arm_error("AuthorizationFailed", App.authorization_message(self.claims, action, op.id))["error"]
                    for cop in child.ops:
                        cop.outcome = "Skipped"
                    child.error = op.error
                elif any(c.outcome == "Failed" for c in child.ops):
                    op.outcome, op.status_code = "Failed", "Conflict"
                    child.error = deployment_failed_error(child)
                    op.error = {"code": "ResourceDeploymentFailure", "target": child.id,
                                "message": TERMINAL_FAILED_MESSAGE, "details": [child.error]}
                continue
            action = (f"{RESOURCE_GROUPS_TYPE.split('/')[0]}/subscriptions/resourceGroups/write"
                      if op.kind == "resourceGroup" else f"{op.type}/write")
            failure = self.failure_for(op)
            if self.app.forbidden(action):
                op.outcome, op.status_code = "Failed", "Forbidden"
                op.error = {"code": "AuthorizationFailed",
                            "message": App.authorization_message(self.claims, action, op.id)}
            elif failure is not None:
                op.outcome = "Failed"
                op.status_code = str(failure.get("statusCode") or "BadRequest")
                op.error = {"code": str(failure.get("code") or "BadRequest"),
                            "message": str(failure.get("message") or "The resource operation failed.")}
                if failure.get("details"):
                    op.error["details"] = failure["details"]
                if failure.get("target"):
                    op.error["target"] = failure["target"]
        if any(op.outcome == "Failed" for op in d.ops):
            d.error = deployment_failed_error(d)

    def failure_for(self, op: Op) -> dict | None:
        for f in self.failures:
            want = str(f.get("resourceName") or "")
            if not want:
                continue
            names = {op.name.lower(), op.name.split("/")[-1].lower()}
            if want.lower() not in names:
                continue
            if f.get("resourceType") and str(f["resourceType"]).lower() != op.type.lower():
                continue
            return f
        return None

    def sequence(self, d: Deployment) -> list[Op]:
        out = []
        for op in d.ops:
            if op.outcome == "Skipped":
                continue
            if op.child is not None:
                out.extend(self.sequence(op.child))
            out.append(op)
        return out


def deployment_failed_error(d: Deployment) -> dict:
    details = []
    for op in d.ops:
        if op.outcome != "Failed" or not op.error:
            continue
        if op.kind == "deployment" and op.error.get("code") == "ResourceDeploymentFailure":
            details.append(op.error)
        else:
            detail = {"code": op.error.get("code"), "target": op.id, "message": op.error.get("message")}
            if op.error.get("details"):
                detail["details"] = op.error["details"]
            details.append(detail)
    return {"code": "DeploymentFailed", "target": d.id, "message": DEPLOYMENT_FAILED_MESSAGE, "details": details}


def check_template(template: dict, ctx: Ctx):
    if "resources" not in template:
        raise TemplateError("Required property 'resources' not found in JSON. Path '', line 1, position 1.")
    resources = template["resources"]
    if not isinstance(resources, (list, dict)):
        raise TemplateError("The template property 'resources' must be an array (or an object with languageVersion 2.0).")
    decls = template.get("parameters") or {}
    if not isinstance(decls, dict):
        raise TemplateError("The template property 'parameters' must be an object.")
    extra = [k for k in ctx.provided if k.lower() not in {d.lower() for d in decls}]
    if extra:
        raise TemplateError(
            f"The template parameters '{', '.join(extra)}' in the parameters file are not valid; they are not present in "
            "the original template and can therefore not be provided at deployment time. The only supported parameters "
            f"for this template are '{', '.join(decls)}'. Please see https://aka.ms/arm-pass-parameter-values for usage "
            "details.")
    provided_low = {k.lower(): v for k, v in ctx.provided.items()}
    for pname, decl in decls.items():
        decl = decl or {}
        if pname.lower() not in provided_low and "defaultValue" not in decl:
            raise TemplateError(
                f"The value for the template parameter '{pname}' at line '1' and column '1' is not provided. Please see "
                "https://aka.ms/arm-create-parameter-file for usage details.")
        allowed = decl.get("allowedValues")
        if allowed and pname.lower() in provided_low:
            value = provided_low[pname.lower()]
            values = value if isinstance(value, list) else [value]
            if not is_expression(value) and any(v not in allowed for v in values):
                raise TemplateError(
                    f"The provided value '{to_arm_string(value)}' for the template parameter '{pname}' at line '1' and "
                    f"column '1' is not valid. The parameter value is not part of the allowed value(s): "
                    f"'{','.join(to_arm_string(a) for a in allowed)}'. Please see https://aka.ms/arm-parameters for "
                    "usage details.")


def expand_resources(template: dict, ctx: Ctx):
    """The template's resources with their evaluation contexts, copy loops expanded."""
    resources = template.get("resources") or []
    if isinstance(resources, dict):
        items = []
        for symbolic, r in resources.items():
            if isinstance(r, dict):
                r = dict(r)
                r["__symbolic"] = symbolic
                items.append(r)
        resources = items
    for raw in resources:
        if not isinstance(raw, dict):
            raise TemplateError("Each template resource must be a JSON object.")
        loop = raw.get("copy")
        if isinstance(loop, dict):
            try:
                count = int(ctx.ev_strict(loop.get("count")))
            except (Unevaluable, TypeError, ValueError):
                count = 1
            for i in range(max(count, 0)):
                yield raw, ctx.with_copy(str(loop.get("name", "")), i)
        else:
            yield raw, ctx


def order_and_link(ops: list[Op]):
    """Links each operation to the operations it depends on and orders them so that
    dependencies come first (stable for independent ones)."""
    by_id = {op.id.lower(): op for op in ops}
    for op in ops:
        linked = []
        for dep in op.deps:
            if not isinstance(dep, str) or is_expression(dep):
                continue
            target = by_id.get(dep.lower().rstrip("/"))
            if target is None and dep.startswith("/"):
                want = parse_resource_id(dep)
                for other in ops:
                    got = parse_resource_id(other.id)
                    if other is not op and (got["type"] or "").lower() == (want["type"] or "").lower() and \
                            (got["name"] or "").lower() == (want["name"] or "").lower():
                        target = other
                        break
            if target is None:
                low = dep.lower()
                for other in ops:
                    if other is op:
                        continue
                    if (other.symbolic and other.symbolic.lower() == low) or other.name.lower() == low or \
                            f"{other.type}/{other.name}".lower() == low or other.id.lower().endswith("/" + low):
                        target = other
                        break
            if target is not None and target is not op and target not in linked:
                linked.append(target)
        op.dep_ops = linked
    ordered: list[Op] = []
    placed: set = set()
    remaining = list(ops)
    while remaining:
        progress = False
        for op in list(remaining):
            if all(id(dep) in placed for dep in op.dep_ops):
                ordered.append(op)
                placed.add(id(op))
                remaining.remove(op)
                progress = True
        if not progress:      # a cycle: keep the template order for the rest
            ordered.extend(remaining)
            break
    ops[:] = ordered


def strip_read_only(value):
    if isinstance(value, dict):
        return {k: strip_read_only(v) for k, v in value.items() if k not in READ_ONLY_KEYS}
    if isinstance(value, list):
        return [strip_read_only(v) for v in value]
    return value


def what_if_delta(before: dict, after: dict) -> list:
    delta = []
    for key in ("location", "kind", "sku", "tags", "zones", "plan", "identity", "managedBy", "properties"):
        b, a = before.get(key), after.get(key)
        if key == "location" and isinstance(a, str) and isinstance(b, str):
            if a.replace(" ", "").lower() == b.replace(" ", "").lower():
                continue
        b, a = strip_read_only(b), strip_read_only(a)
        if a is None and b is None:
            continue
        if b is None:
            delta.append({"path": key, "propertyChangeType": "Create", "after": a})
        elif a is None:
            delta.append({"path": key, "propertyChangeType": "Delete", "before": b})
        else:
            delta.extend(property_changes(b, a, key))
    return delta


def property_changes(b, a, path: str) -> list:
    if b == a:
        return []
    if isinstance(b, dict) and isinstance(a, dict):
        out = []
        keys = list(a) + [k for k in b if k not in a]
        for k in keys:
            p = f"{path}.{k}" if path else k
            if k not in b:
                out.append({"path": p, "propertyChangeType": "Create", "after": a[k]})
            elif k not in a:
                out.append({"path": p, "propertyChangeType": "Delete", "before": b[k]})
            else:
                out.extend(property_changes(b[k], a[k], p))
        return out
    if isinstance(b, list) and isinstance(a, list):
        children = []
        for i in range(max(len(a), len(b))):
            if i >= len(b):
                children.append({"path": str(i), "propertyChangeType": "Create", "after": a[i]})
            elif i >= len(a):
                children.append({"path": str(i), "propertyChangeType": "Delete", "before": b[i]})
            elif b[i] != a[i]:
                if isinstance(b[i], dict) and isinstance(a[i], dict):
                    children.append({"path": str(i), "propertyChangeType": "Modify",
                                     "children": property_changes(b[i], a[i], "")})
                else:
                    children.append({"path": str(i), "propertyChangeType": "Modify", "before": b[i], "after": a[i]})
        return [{"path": path, "propertyChangeType": "Array", "children": children}]
    return [{"path": path, "propertyChangeType": "Modify", "before": b, "after": a}]


def plausible(value, key: str):
    """Outputs the fake cannot evaluate (reference(), list*()) get plausible stand-ins."""
    if isinstance(value, str) and is_expression(value):
        text = value.lower()
        if text.startswith("[reference(") or text.startswith("[list"):
            if text.endswith(".principalid]") or text.endswith(".clientid]") or text.endswith(".tenantid]"):
                return hash_guid("output", value)
            if text.endswith(".id]") or "resourceid(" in text:
                return "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/unevaluated/providers/" \
                       f"Microsoft.Fake/unevaluated/{hash_guid('output', value)}"
        return f"fake-{key}-{hash_guid('output', value)[:8]}"
    if isinstance(value, dict):
        return {k: plausible(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [plausible(v, key) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# The server

STATUS_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
                  401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
                  409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
                  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300
    server_version = "fake-azure"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self):
        app: App = self.server.app
        body = self._read_body()
        req = Request(self.command, self.path, self.headers, body, isinstance(self.connection, ssl.SSLSocket),
                      self.server.server_address[1])
        resp = app.handle(req)
        app.log(req, resp)
        head = [f"HTTP/1.1 {resp.status} {STATUS_REASONS.get(resp.status, 'Status')}",
                f"Date: {formatdate(usegmt=True)}"]
        head += [f"{k}: {v}" for k, v in resp.headers]
        head.append(f"Content-Length: {len(resp.body)}")
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += resp.body
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, ssl_context: ssl.SSLContext, app_factory):
        super().__init__(address, Handler)
        self.ssl_context = ssl_context
        self.app = app_factory(self.server_address[1])

    def finish_request(self, request, client_address):
        """TLS is negotiated here, in the connection's own thread; a connection whose first byte
        is not a TLS handshake is served as plain HTTP (managed-identity endpoints only)."""
        conn = request
        try:
            request.settimeout(30)
            first = request.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first[0] == 0x16:
                conn = self.ssl_context.wrap_socket(request, server_side=True)
            conn.settimeout(None)
        except (OSError, ssl.SSLError, ValueError):
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            if conn is not request:
                try:
                    conn.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cert", required=True, help="the server certificate (PEM), e.g. leaf.pem")
    ap.add_argument("--key", required=True, help="its private key (PEM)")
    ap.add_argument("--scenario", help="the scenario file (JSON), read again whenever it changes")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--port", type=int, default=0, help="the port (0: any free port)")
    ap.add_argument("--exit-with-stdin", action="store_true",
                    help="exit when standard input closes (so that the server dies with its parent)")
    ap.add_argument("--verbose", action="store_true", help="print each request to stderr")
    args = ap.parse_args(argv)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["http/1.1"])
    server = Server(("127.0.0.1", args.port), context,
                    lambda port: App(args.scenario, args.log, port, args.verbose))
    if args.exit_with_stdin:
        def watch():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    # the parent may stop reading after READY: nothing else goes to stdout
    sys.stdout = open(os.devnull, "w")
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
