"""Dialogs pushed over a screen: notices, confirmations, audit entries."""
