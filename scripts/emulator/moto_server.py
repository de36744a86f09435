"""
The AWS APIs of the local AWS (scripts/emulator/server.ts runs it behind its front): moto's
server on 127.0.0.1 and a free port (`--port N` for a given one), printed as
`listening on <port>`, stopped by SIGTERM/SIGINT or when its parent closes stdin, so it never
outlives the process that started it.

moto is patched where it answers differently from AWS for a setting these stacks use. Each
patch says which AWS behaviour it restores, and all are written against one moto version: a
different version refuses to start rather than test against answers nobody has checked.
docs/local-aws.md lists the same differences ("Where moto 5.2.1 differs from AWS").
"""
import base64
import hmac
import json
import os
import signal
import sys
import threading

import moto

PATCHED_MOTO_VERSION = "5.2.1"

if moto.__version__ != PATCHED_MOTO_VERSION:
    sys.exit(
        f"moto {moto.__version__} found; the patches in {__file__} were written for moto "
        f"{PATCHED_MOTO_VERSION}: check each against that version, then update PATCHED_MOTO_VERSION"
    )

from moto.awslambda import models as lambda_models  # noqa: E402
from moto.awslambda.exceptions import InvalidParameterValueException  # noqa: E402
from moto.apigateway.models import apigateway_backends  # noqa: E402
from moto.iam.access_control import IAMPolicyStatement, PermissionResult  # noqa: E402
from moto.iam.models import get_account_id_from  # noqa: E402
from moto.s3.models import FakeBucket  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402


# --- Lambda LoggingConfig -------------------------------------------------------------------
# moto 5.2.1 ignores LoggingConfig in CreateFunction/UpdateFunctionConfiguration and never
# returns it. AWS stores it and answers it in GetFunction: LogFormat defaults to Text, LogGroup
# to /aws/lambda/<name>, and with LogFormat JSON it fills ApplicationLogLevel and SystemLogLevel
# with INFO when they were not sent (the answer behind terraform-provider-aws #42181). AWS
# refuses log levels with the Text format.
# https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html
def _aws_logging_config(function_name, requested, current=None):
    config = dict(current or {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"})
    config.update({key: value for key, value in (requested or {}).items() if value})
    if config["LogFormat"] == "JSON":
        config.setdefault("ApplicationLogLevel", "INFO")
        config.setdefault("SystemLogLevel", "INFO")
    elif "ApplicationLogLevel" in config or "SystemLogLevel" in config:
        raise InvalidParameterValueException(
            'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from '
            'your request or change the LogFormat to "Json" and try again.'
        )
    return config


_original_init = lambda_models.LambdaFunction.__init__
_original_get_configuration = lambda_models.LambdaFunction.get_configuration
_original_update_configuration = lambda_models.LambdaFunction.update_configuration


def _init(self, account_id, spec, region, version=1):
    _original_init(self, account_id, spec, region, version)
    self.logging_config = _aws_logging_config(self.function_name, spec.get("LoggingConfig"))


def _get_configuration(self, on_create=False):
    config = _original_get_configuration(self, on_create)
    config["LoggingConfig"] = self.logging_config
    return config


def _update_configuration(self, config_updates):
    if "LoggingConfig" in config_updates:
        self.logging_config = _aws_logging_config(
            self.function_name, config_updates["LoggingConfig"], self.logging_config
        )
    return _original_update_configuration(self, config_updates)


lambda_models.LambdaFunction.__init__ = _init
lambda_models.LambdaFunction.get_configuration = _get_configuration
lambda_models.LambdaFunction.update_configuration = _update_configuration


# --- API Gateway UpdateMethod ---------------------------------------------------------------
# moto 5.2.1 has no UpdateMethod (PATCH .../methods/<verb>): it answers NotImplementedError, and
# the AWS provider retries it without end, so changing a method (apiKeyRequired, say) hangs
# the apply. AWS applies each `replace` patch operation to the method and answers the method.
# https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateMethod.html
from moto.apigateway.responses import APIGatewayResponse  # noqa: E402

_METHOD_FIELDS = {
    "/apiKeyRequired": ("api_key_required", lambda value: str(value).lower() == "true"),
    "/authorizationType": ("authorization_type", str),
    "/authorizerId": ("authorizer_id", str),
    "/operationName": ("operation_name", str),
    "/requestValidatorId": ("request_validator_id", str),
}


def _update_method(self):
    _, _, api_id, _, resource_id, _, verb = self.path.split("/")[:7]
    method = self.backend.get_method(api_id, resource_id, verb)
    for operation in self._get_param("patchOperations") or []:
        field = _METHOD_FIELDS.get(operation.get("path"))
        if operation.get("op") != "replace" or field is None:
            return 400, {}, json.dumps({"message": f"Invalid patch path {operation.get('path')} for UpdateMethod in the emulator"})
        setattr(method, field[0], field[1](operation.get("value")))
    return 200, {}, json.dumps(method.to_json())


APIGatewayResponse.update_method = _update_method


# --- S3 bucket policy conditions ----------------------------------------------------------
# moto 5.2.1 enforces a bucket policy on object requests, but evaluates no condition operator
# but StringEquals (policy_conditions.py ignores the rest, so a statement with a Bool condition
# always applies) and knows no request context. IAM applies a statement only when its
# conditions hold (IAM User Guide, "Policy evaluation logic",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
# Here Bool and StringEquals are evaluated against the request's context; another operator
# leaves the statement applying, as before. The local AWS serves http on 127.0.0.1 only, where
# nothing is in transit: it counts every request as made over TLS (aws:SecureTransport true), so
# a TLS-only bucket policy (the bootstrap's state bucket) lets in what AWS lets in over https.
_REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def _condition_holds(condition):
    for operator, entries in condition.items():
        if operator not in ("Bool", "StringEquals"):
            continue
        for key, expected in entries.items():
            actual = _REQUEST_CONTEXT.get(key)
            wanted = expected if isinstance(expected, list) else [expected]
            if operator == "Bool":
                if actual is None or actual.lower() not in [str(value).lower() for value in wanted]:
                    return False
            elif actual not in wanted:
                return False
    return True


def _bucket_permission(self, action, resource):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    statements = json.loads(self.policy.decode())["Statement"]
    permitted = False
    for statement in statements if isinstance(statements, list) else [statements]:
        if not _condition_holds(statement.get("Condition") or {}):
            continue
        unconditional = {key: value for key, value in statement.items() if key != "Condition"}
        result = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


FakeBucket.get_permission = _bucket_permission


# --- Lambda GetAccountSettings -------------------------------------------------------------
# moto 5.2.1 has no route for GetAccountSettings (GET /2016-08-19/account-settings/). AWS
# answers the account's limits and usage in the region: ConcurrentExecutions is the quota
# (1000 by default; EMULATOR_LAMBDA_CONCURRENT_EXECUTIONS sets another, as a new account may
# have), UnreservedConcurrentExecutions what functions have not reserved.
# https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
def _account_settings(request):
    authorization = request.headers.get("Authorization", "")
    credential = authorization.split("Credential=")[1].split("/") if "Credential=" in authorization else ["", "", "us-east-1"]
    # The caller's account, as moto's own APIs decide it: an assumed role's keys act in its account.
    account, region = get_account_id_from(credential[0]), credential[2]
    functions = list(lambda_models.lambda_backends[account][region].list_functions())
    total = int(os.environ.get("EMULATOR_LAMBDA_CONCURRENT_EXECUTIONS", "1000"))
    reserved = sum(int(fn.reserved_concurrency or 0) for fn in functions)
    return _json(200, {
        "AccountLimit": {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": total,
            "UnreservedConcurrentExecutions": total - reserved,
        },
        "AccountUsage": {"TotalCodeSize": sum(len(fn.code_bytes or b"") for fn in functions), "FunctionCount": len(functions)},
    })


# --- What the front asks of moto's records ------------------------------------------------
# Not AWS APIs, and only on this private port (the front never forwards /_emulator/): moto
# 5.2.1 runs function code only in Docker and has no route for a stage's requests, so the
# front (server.ts) runs both, and reads here what moto keeps and its APIs do not hand out:
# a function version's zip, and a REST API's resources with their methods, integrations and
# the API keys valid on a stage. Resolving names, versions and aliases stays moto's.
# Each account's records are its own (moto keeps them apart as AWS does): the front names the
# account (from a function's ARN) or the caller's access key, whose account moto knows.
def _json(status, body):
    return Response(json.dumps(body), status=status, content_type="application/json")


def _lambda_function(request):
    region, name = request.args.get("region"), request.args.get("name", "")
    qualifier = request.args.get("qualifier") or None
    account = request.args.get("account") or get_account_id_from(request.args.get("access_key", ""))
    backend = lambda_models.lambda_backends[account][region]
    try:
        fn = backend.get_function(name, qualifier)
    except Exception as error:  # moto's UnknownFunctionException and kin carry AWS's answer
        return _json(404, {"type": getattr(error, "error_type", "ResourceNotFoundException"), "message": getattr(error, "message", str(error))})
    answer = {"configuration": fn.get_configuration()}
    if request.args.get("code") == "1":  # only a cold start of new code needs the zip
        answer["code"] = base64.b64encode(fn.code_bytes or b"").decode()
    return _json(200, answer)


def _rest_api_stage(request, api_id, stage_name):
    # A stage's URL names no account: an API id is unique across them.
    regional = [(region, backend) for account in list(apigateway_backends.values()) for region, backend in list(account.items())]
    for region, backend in regional:
        api = backend.apis.get(api_id)
        if api is None:
            continue
        stage = api.stages.get(stage_name)
        if stage is None:
            return _json(404, {"message": f"no stage {stage_name} in REST API {api_id}"})
        plans = [plan for plan in backend.usage_plans.values() if {"apiId": api_id, "stage": stage_name} in plan.api_stages]
        keys = [
            backend.keys[key.id].value
            for plan in plans
            for key in backend.usage_plan_keys.get(plan.id, {}).values()
            if key.id in backend.keys and backend.keys[key.id].enabled
        ]
        # Each key's throttle is its plan's (API Gateway throttles each key of a plan on its own).
        key_throttles = {
            backend.keys[key.id].value: plan.throttle
            for plan in plans
            for key in backend.usage_plan_keys.get(plan.id, {}).values()
            if key.id in backend.keys and plan.throttle
        }
        resources = [
            {
                "id": resource.id,
                "path": resource.get_path(),
                "methods": {
                    verb: {
                        "apiKeyRequired": bool(method.api_key_required),
                        "authorizationType": method.authorization_type,
                        "integration": method.method_integration.to_json() if method.method_integration else None,
                    }
                    for verb, method in resource.resource_methods.items()
                },
            }
            for resource in api.resources.values()
        ]
        return _json(200, {"region": region, "apiId": api_id, "stage": stage.to_json(), "resources": resources, "apiKeys": keys, "keyThrottles": key_throttles})
    return _json(404, {"message": f"no REST API {api_id}"})


# Only the front may ask: every request carries the secret it was started with (server.ts), so
# moto's private port answers no web page or process that finds it, and the internal routes
# below answer the front alone however a request to the front spells them.
_FRONT_SECRET = os.environ.get("EMULATOR_FRONT_SECRET", "")


def _from_front(environ):
    return bool(_FRONT_SECRET) and hmac.compare_digest(environ.get("HTTP_X_EMULATOR_FRONT_SECRET", ""), _FRONT_SECRET)


def _app(backend_app):
    def app(environ, start_response):
        if not _from_front(environ):
            return _json(403, {"message": "moto answers the local AWS's front only"})(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") == "/2016-08-19/account-settings" and environ.get("REQUEST_METHOD") == "GET":
            return _account_settings(Request(environ))(environ, start_response)
        if not path.startswith("/_emulator/"):
            return backend_app(environ, start_response)
        request = Request(environ)
        parts = path.split("/")
        if path == "/_emulator/lambda/function":
            response = _lambda_function(request)
        elif len(parts) == 6 and parts[2] == "restapis" and parts[4] == "stages":
            response = _rest_api_stage(request, parts[3], parts[5])
        else:
            response = _json(404, {"message": f"no internal route {path}"})
        return response(environ, start_response)

    return app


def _stop(*_):
    os._exit(0)


def _exit_when_parent_goes():
    # The parent holds our stdin open; EOF means it is gone, however it ended.
    while sys.stdin.buffer.read(65536):
        pass
    _stop()


def main():
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    server = make_server("127.0.0.1", port, _app(DomainDispatcherApplication(create_backend_app)), threaded=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
