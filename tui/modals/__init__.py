"""Dialogs pushed over a screen: notices now; confirmations and path prompts later."""
