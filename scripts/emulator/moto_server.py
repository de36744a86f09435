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
import calendar
import hmac
import json
import os
import re
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


# --- CodeDeploy: Lambda deployments ----------------------------------------------------------
# moto 5.2.1 keeps CodeDeploy applications, deployment groups and deployments, but deploys
# nothing (a deployment stays "Created"), has no deployment configurations and no delete or
# update calls (the AWS provider then retries without end), answers an empty
# alarmConfiguration, and dates as ISO strings where AWS's JSON answers epoch seconds. Here:
# - StopDeployment (with autoRollbackEnabled, traffic goes back), CreateDeploymentConfig, GetDeploymentConfig (CodeDeploy's predefined Lambda ones too),
#   DeleteDeploymentConfig (refused while a group uses it), DeleteApplication (with its groups),
#   DeleteDeploymentGroup, UpdateDeploymentGroup; a group answers its alarmConfiguration, and no
#   loadBalancerInfo where it has none. Traffic routing, alarm and rollback settings AWS would
#   refuse are refused, and a deployment that cannot run ends Failed with traffic where it was.
# - A deployment of a Lambda application does what AWS does: it moves the AppSpec's alias from
#   CurrentVersion to TargetVersion by the configuration (TimeBasedCanary: the percentage, then
#   after the interval all; TimeBasedLinear: the percentage more every interval; AllAtOnce),
#   setting the alias's weights as it goes, and ends Succeeded. While it runs, an alarm of the
#   group in ALARM stops it (ErrorInformation ALARM_ACTIVE) and, with DEPLOYMENT_STOP_ON_ALARM,
#   sends all traffic back to CurrentVersion.
#   https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
#   https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
#   https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ErrorInformation.html
# EMULATOR_CODEDEPLOY_MINUTE_SECONDS is how long a configuration's minute lasts here (60, as on
# AWS; tests scale it down), and EMULATOR_CODEDEPLOY_POLL_SECONDS how often alarms are looked at.
import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from moto.cloudwatch.models import cloudwatch_backends  # noqa: E402
from moto.codedeploy import models as codedeploy_models  # noqa: E402
from moto.codedeploy.exceptions import CodeDeployException  # noqa: E402
from moto.codedeploy.responses import CodeDeployResponse  # noqa: E402

_MINUTE_SECONDS = float(os.environ.get("EMULATOR_CODEDEPLOY_MINUTE_SECONDS", "60"))
_POLL_SECONDS = float(os.environ.get("EMULATOR_CODEDEPLOY_POLL_SECONDS", "1"))
_PREDEFINED_LAMBDA_CONFIGS = {
    "CodeDeployDefault.LambdaAllAtOnce": {"type": "AllAtOnce"},
    **{
        f"CodeDeployDefault.LambdaCanary10Percent{minutes}Minutes": {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": minutes}}
        for minutes in (5, 10, 15, 30)
    },
    **{
        f"CodeDeployDefault.LambdaLinear10PercentEvery{minutes}Minute{'s' if minutes > 1 else ''}": {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 10, "linearInterval": minutes}}
        for minutes in (1, 2, 3, 10)
    },
}


def _error(name, message):
    error = CodeDeployException(name, message)
    error.code = 400
    return error


def _configs(backend):
    if not hasattr(backend, "deployment_configs"):
        backend.deployment_configs = {}
    return backend.deployment_configs


def _config_info(backend, name):
    if name in _PREDEFINED_LAMBDA_CONFIGS:
        return {"deploymentConfigName": name, "computePlatform": "Lambda", "trafficRoutingConfig": _PREDEFINED_LAMBDA_CONFIGS[name]}
    info = _configs(backend).get(name)
    if info is None:
        raise _error("DeploymentConfigDoesNotExistException", f"The deployment configuration {name} does not exist with the user or AWS account.")
    return info


def _whole(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _routing_problem(routing):
    """What AWS refuses in a Lambda traffic routing config (whole percentages below 100, whole minutes)."""
    kind = routing.get("type")
    if kind == "AllAtOnce":
        return None
    key, percent, interval = {
        "TimeBasedCanary": ("timeBasedCanary", "canaryPercentage", "canaryInterval"),
        "TimeBasedLinear": ("timeBasedLinear", "linearPercentage", "linearInterval"),
    }.get(kind, (None, None, None))
    if key is None:
        return f"type {kind!r} is not AllAtOnce, TimeBasedCanary or TimeBasedLinear"
    settings = routing.get(key) or {}
    if not _whole(settings.get(percent), 1, 99) or not _whole(settings.get(interval), 1, 2880):
        return f"{key} needs a whole {percent} from 1 to 99 and a whole {interval} of minutes"
    return None


def _group_problem(alarms, rollback):
    if alarms is not None:
        names = alarms.get("alarms", []) if isinstance(alarms, dict) else None
        if not isinstance(names, list) or len(names) > 10 or not all(isinstance(a, dict) and isinstance(a.get("name"), str) for a in names):
            return _error("InvalidAlarmConfigException", "alarmConfiguration takes at most 10 alarms, each {name}")
    if rollback is not None:
        events = rollback.get("events", []) if isinstance(rollback, dict) else None
        if not isinstance(events, list) or not set(events) <= {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"}:
            return _error("InvalidAutoRollbackConfigException", "autoRollbackConfiguration events are DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM or DEPLOYMENT_STOP_ON_REQUEST")
    return None


def _create_deployment_config(self):
    name = self._get_param("deploymentConfigName")
    routing = self._get_param("trafficRoutingConfig") or {"type": "AllAtOnce"}
    problem = _routing_problem(routing) if isinstance(routing, dict) else "trafficRoutingConfig is not an object"
    if problem:
        raise _error("InvalidTrafficRoutingConfigurationException", problem)
    if name in _configs(self.codedeploy_backend) or name in _PREDEFINED_LAMBDA_CONFIGS:
        raise _error("DeploymentConfigAlreadyExistsException", f"A deployment configuration with the name {name} already exists.")
    config_id = str(uuid.uuid4())
    _configs(self.codedeploy_backend)[name] = {
        "deploymentConfigId": config_id,
        "deploymentConfigName": name,
        "computePlatform": self._get_param("computePlatform") or "Server",
        "trafficRoutingConfig": routing,
        "createTime": time.time(),
    }
    return json.dumps({"deploymentConfigId": config_id})


def _get_deployment_config(self):
    return json.dumps({"deploymentConfigInfo": _config_info(self.codedeploy_backend, self._get_param("deploymentConfigName"))})


def _delete_deployment_config(self):
    name = self._get_param("deploymentConfigName")
    backend = self.codedeploy_backend
    in_use = any(str(group.deployment_config_name) == name for groups in backend.deployment_groups.values() for group in groups.values())
    if in_use:
        raise _error("DeploymentConfigInUseException", f"The deployment configuration {name} is still in use.")
    _config_info(backend, name)
    _configs(backend).pop(name, None)
    return "{}"


def _delete_application(self):
    name = self._get_param("applicationName")
    self.codedeploy_backend.applications.pop(name, None)
    self.codedeploy_backend.deployment_groups.pop(name, None)
    return "{}"


def _delete_deployment_group(self):
    self.codedeploy_backend.deployment_groups.get(self._get_param("applicationName"), {}).pop(self._get_param("deploymentGroupName"), None)
    return json.dumps({"hooksNotCleanedUp": []})


_GROUP_UPDATES = {
    "deploymentConfigName": "deployment_config_name",
    "serviceRoleArn": "service_role_arn",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "deploymentStyle": "deployment_style",
    "triggerConfigurations": "trigger_configurations",
}


def _update_deployment_group(self):
    problem = _group_problem(self._get_param("alarmConfiguration"), self._get_param("autoRollbackConfiguration"))
    if problem:
        raise problem
    application = self._get_param("applicationName")
    group = self.codedeploy_backend.get_deployment_group(application, self._get_param("currentDeploymentGroupName"))
    for param, attribute in _GROUP_UPDATES.items():
        value = self._get_param(param)
        if value is not None:
            setattr(group, attribute, value)
    new_name = self._get_param("newDeploymentGroupName")
    if new_name and new_name != group.deployment_group_name:
        groups = self.codedeploy_backend.deployment_groups[application]
        groups[new_name] = groups.pop(group.deployment_group_name)
        group.deployment_group_name = new_name
    return json.dumps({"hooksNotCleanedUp": []})


def _stop_deployment(self):
    deployment = self.codedeploy_backend.get_deployment(self._get_param("deploymentId"))
    if deployment.status not in ("Created", "InProgress"):
        raise _error("DeploymentAlreadyCompletedException", f"The deployment {deployment.deployment_id} has already completed.")
    # The shifting thread stops at its next look, and sends traffic back where asked.
    deployment.stop_requested = {"rollback": bool(self._get_param("autoRollbackEnabled"))}
    return json.dumps({"status": "Pending", "statusMessage": "Stopping the deployment"})


_create_deployment_group = CodeDeployResponse.create_deployment_group


def _create_checked_deployment_group(self):
    problem = _group_problem(self._get_param("alarmConfiguration"), self._get_param("autoRollbackConfiguration"))
    if problem:
        raise problem
    return _create_deployment_group(self)


for _name, _handler in {
    "create_deployment_group": _create_checked_deployment_group,
    "stop_deployment": _stop_deployment,
    "create_deployment_config": _create_deployment_config,
    "get_deployment_config": _get_deployment_config,
    "delete_deployment_config": _delete_deployment_config,
    "delete_application": _delete_application,
    "delete_deployment_group": _delete_deployment_group,
    "update_deployment_group": _update_deployment_group,
}.items():
    setattr(CodeDeployResponse, _name, _handler)

_group_to_dict = codedeploy_models.DeploymentGroup.to_dict



def _group_dict(self):
    answer = {**_group_to_dict(self), "alarmConfiguration": self.alarm_configuration or {}}
    # AWS leaves out a group's load balancer where it has none (a Lambda group never has one);
    # moto's empty object reads as one with nothing in it, and every plan would "remove" it.
    if not answer.get("loadBalancerInfo"):
        answer.pop("loadBalancerInfo", None)
    return answer


codedeploy_models.DeploymentGroup.to_dict = _group_dict


def _epoch(value):
    # Epoch seconds with their fraction, as AWS answers (moto keeps milliseconds in its ISO
    # string): the release runner compares a deployment's createTime with a version's time.
    if value is None or isinstance(value, (int, float)):
        return value
    fraction = re.match(r"\.(\d+)", value[19:])
    return calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")) + (float("0." + fraction.group(1)) if fraction else 0.0)


_deployment_to_dict = codedeploy_models.DeploymentInfo.to_dict


def _deployment_dict(self):
    answer = _deployment_to_dict(self)
    for field in ("createTime", "startTime", "completeTime"):
        answer[field] = _epoch(answer[field])
    answer["errorInformation"] = getattr(self, "error_information", {})
    answer["rollbackInfo"] = getattr(self, "rollback_info", {})
    return answer


codedeploy_models.DeploymentInfo.to_dict = _deployment_dict
_application_to_dict = codedeploy_models.Application.to_dict
codedeploy_models.Application.to_dict = lambda self: {**_application_to_dict(self), "createTime": _epoch(_application_to_dict(self).get("createTime"))}


def _traffic_steps(routing):
    """(percent of traffic on the target, minutes to wait after) for each shift of a configuration."""
    kind = routing.get("type")
    if kind == "TimeBasedCanary":
        canary = routing.get("timeBasedCanary", {})
        return [(canary.get("canaryPercentage", 10), canary.get("canaryInterval", 0)), (100, 0)]
    if kind == "TimeBasedLinear":
        linear = routing.get("timeBasedLinear", {})
        step, interval = linear.get("linearPercentage", 10), linear.get("linearInterval", 0)
        return [(percent, interval) for percent in range(step, 100, step)] + [(100, 0)]
    return [(100, 0)]


def _alarms_in_alarm(group, account, region):
    settings = group.alarm_configuration or {}
    if not settings.get("enabled"):
        return []
    names = [alarm.get("name") for alarm in settings.get("alarms", [])]
    alarms = cloudwatch_backends[account][region].alarms
    return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]


def _shift(deployment, account, region):
    """Runs a deployment to its end; whatever goes wrong ends it Failed with traffic back where it was."""
    try:
        _shift_steps(deployment, account, region)
    except Exception as error:  # never a deployment left InProgress, nor an alias left split
        restore = getattr(deployment, "restore", None)
        if restore is not None:
            restore()
        deployment.status = "Failed"
        deployment.error_information = {"code": "INTERNAL_ERROR", "message": f"the local AWS could not run the deployment: {error}"}
        deployment.complete_time = time.time()


def _shift_steps(deployment, account, region):
    group = deployment.deployment_group
    backend = lambda_models.lambda_backends[account][region]
    try:
        content = json.loads(((deployment.revision or {}).get("appSpecContent") or {}).get("content") or "{}")
        resource = next(iter(content["Resources"][0].values()))["Properties"]
        parts = str(resource["Name"]).split(":")
        # A function of the deployment's own account and region only, by name or ARN.
        if resource["Name"].startswith("arn:") and (len(parts) < 7 or parts[3] != region or parts[4] != account):
            raise ValueError(f"{resource['Name']} is not a function of account {account} in {region}")
        alias = backend.get_alias(resource["Alias"], parts[6] if resource["Name"].startswith("arn:") else resource["Name"])
        current, target = str(resource["CurrentVersion"]), str(resource["TargetVersion"])
        backend.get_function(resource["Name"], target)
        if alias.function_version != current:
            raise ValueError(f"the alias {resource['Alias']} serves version {alias.function_version}, not the AppSpec's CurrentVersion {current}")
        routing = _config_info(codedeploy_models.codedeploy_backends[account][region], str(deployment.deployment_config_name)).get("trafficRoutingConfig", {})
    except Exception as error:  # an AppSpec or a version AWS would refuse: the deployment fails
        deployment.status = "Failed"
        deployment.error_information = {"code": "INVALID_REVISION", "message": str(error)}
        deployment.complete_time = time.time()
        return
    deployment.status = "InProgress"
    deployment.start_time = time.time()

    def restore():
        alias.function_version, alias.routing_config = current, None

    deployment.restore = restore
    rollback_on_alarm = "DEPLOYMENT_STOP_ON_ALARM" in ((group.auto_rollback_configuration or {}).get("events") or []) and (group.auto_rollback_configuration or {}).get("enabled")
    for percent, minutes in _traffic_steps(routing):
        if percent >= 100:
            alias.function_version, alias.routing_config = target, None
        else:
            alias.function_version, alias.routing_config = current, {"AdditionalVersionWeights": {target: percent / 100}}
        until = time.time() + minutes * _MINUTE_SECONDS
        while True:
            stop = getattr(deployment, "stop_requested", None)
            if stop is not None:
                deployment.status = "Stopped"
                deployment.error_information = {"code": "MANUAL_STOP", "message": "The deployment was stopped by a user."}
                if stop["rollback"]:
                    alias.function_version, alias.routing_config = current, None
                    deployment.rollback_info = {"rollbackMessage": f"Rolled back: traffic is back on version {current}"}
                deployment.complete_time = time.time()
                return
            alarming = _alarms_in_alarm(group, account, region)
            if alarming:
                deployment.status = "Stopped"
                deployment.error_information = {
                    "code": "ALARM_ACTIVE",
                    "message": "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: " + ", ".join(alarming),
                }
                if rollback_on_alarm:
                    alias.function_version, alias.routing_config = current, None
                    deployment.rollback_info = {"rollbackMessage": f"Rolled back: traffic is back on version {current}"}
                deployment.complete_time = time.time()
                return
            if percent >= 100 or time.time() >= until:
                break
            time.sleep(min(_POLL_SECONDS, max(0.01, until - time.time())))
    deployment.status = "Succeeded"
    deployment.complete_time = time.time()


_create_deployment = codedeploy_models.CodeDeployBackend.create_deployment


def _create_and_start(self, application_name, deployment_group_name, revision, *args, **kwargs):
    groups = self.deployment_groups.get(application_name, {})
    running = [d for d in self.deployments.values() if d.application_name == application_name and d.deployment_group_name == deployment_group_name and d.status in ("Created", "InProgress")]
    if running and deployment_group_name in groups:
        raise _error("DeploymentLimitExceededException", f"The deployment {running[0].deployment_id} is already in progress for the deployment group {deployment_group_name}.")
    deployment_id = _create_deployment(self, application_name, deployment_group_name, revision, *args, **kwargs)
    if self.applications[application_name].compute_platform == "Lambda":
        threading.Thread(target=_shift, args=(self.deployments[deployment_id], self.account_id, self.region_name), daemon=True).start()
    return deployment_id


codedeploy_models.CodeDeployBackend.create_deployment = _create_and_start


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
    caller = get_account_id_from(request.args["access_key"]) if "access_key" in request.args else None
    account = request.args.get("account") or caller
    if caller is not None and account != caller:
        # Lambda runs another account's function only where its resource policy lets the caller
        # (Lambda Developer Guide, "Granting function access to other accounts"); this emulator
        # evaluates no policy, so it lets no account run another's.
        arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{name}"
        return _json(403, {"type": "AccessDeniedException", "message": f"User: arn:aws:iam::{caller}:root is not authorized to perform: lambda:InvokeFunction on resource: {arn} because no resource-based policy allows the lambda:InvokeFunction action"})
    backend = lambda_models.lambda_backends[account][region]
    try:
        # An alias with an additional version's weight: each invocation goes to that version in
        # that proportion (Lambda Developer Guide, "Implement Lambda canary deployments using a
        # weighted alias", https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html).
        parts = name.split(":")
        function_name = parts[6] if name.startswith("arn:") else parts[0]
        named = qualifier or (parts[7] if name.startswith("arn:") and len(parts) > 7 else parts[1] if not name.startswith("arn:") and len(parts) > 1 else None)
        alias = None
        if named and not named.isdigit() and named != "$LATEST":
            try:
                alias = backend.get_alias(named, function_name)
            except Exception:  # no such alias: moto's get_function below answers as AWS does
                alias = None
        if alias is not None:
            weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
            draw, version = random.random(), alias.function_version
            for additional, weight in weights.items():
                if draw < float(weight):
                    version = additional
                    break
                draw -= float(weight)
            name, qualifier = function_name, version
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
