from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and ledger"

    def ready(self) -> None:
        # The bank keeps its security log from what the two copied apps report.
        from api_auth import signals as api_signals
        from oidc_client import signals as web_signals

        from . import events

        web_signals.signed_in.connect(events.on_signed_in, dispatch_uid="accounts.signed_in")
        web_signals.step_up_passed.connect(events.on_step_up_passed, dispatch_uid="accounts.passed")
        web_signals.step_up_refused.connect(
            events.on_step_up_refused, dispatch_uid="accounts.refused"
        )
        web_signals.step_up_declined.connect(
            events.on_step_up_declined, dispatch_uid="accounts.declined"
        )
        api_signals.step_up_challenged.connect(
            events.on_step_up_challenged, dispatch_uid="accounts.challenged"
        )
        api_signals.token_spent.connect(events.on_token_spent, dispatch_uid="accounts.spent")
        api_signals.token_replayed.connect(
            events.on_token_replayed, dispatch_uid="accounts.replayed"
        )
