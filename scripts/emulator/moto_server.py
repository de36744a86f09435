"""
A local AWS for the deploy tests and `npm run deploy:local`: moto's server on 127.0.0.1 and a
free port (printed as `listening on <port>`), stopped by SIGTERM/SIGINT or when its parent
closes stdin, so it never outlives the process that started it.

moto is patched where it answers differently from AWS for a setting these stacks use. Each
patch says which AWS behaviour it restores, and all are written against one moto version: a
different version refuses to start rather than test against answers nobody has checked.
The README lists the same differences ("What the emulator proves").
"""
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
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


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


def _stop(*_):
    os._exit(0)


def _exit_when_parent_goes():
    # The parent holds our stdin open; EOF means it is gone, however it ended.
    while sys.stdin.buffer.read(65536):
        pass
    _stop()


def main():
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
