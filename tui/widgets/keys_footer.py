"""The footer, updated in place when keys are only enabled or disabled.

Textual's Footer rebuilds every key widget whenever a screen's bindings may have changed;
the queue disables its keys while an action runs and enables them again when the next
group is shown, and two rebuilds of a dozen keys cost tens of milliseconds on the way
to that group. When the keys are the same ones, this footer flips their `disabled` flags
instead; anything else (another screen's keys, groups) rebuilds as Footer does.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    _recomposing = False

    def bindings_changed(self, screen: Screen) -> None:
        if self._recomposing:
            return  # the keys being composed are brought up to date once they are in
        if self.is_attached and screen is self.screen and self._in_place(screen):
            return
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        """Compose the keys anew; a change of bindings while the new keys were being
        mounted (their flags read before it) is applied to them once they are in."""
        self._recomposing = True
        try:
            await super().recompose()
        finally:
            self._recomposing = False
        if self.is_attached and not self._in_place(self.screen):
            super().bindings_changed(self.screen)

    def _in_place(self, screen: Screen) -> bool:
        """Flip the keys' flags if the same keys are shown in the same order."""
        keys = list(self.query_children(FooterKey))
        if not keys or len(keys) != len(self.children):
            return False  # not composed yet, or grouped keys: rebuild
        wanted: dict[str, bool] = {}
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.show:
                wanted.setdefault(binding.action, enabled)
        palette = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        shown = [key.action for key in keys]
        expected = list(wanted)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette:
            expected.append(palette.binding.action)
            wanted.setdefault(palette.binding.action, palette.enabled)
        if shown != expected:
            return False
        for key in keys:
            off = not wanted[key.action]
            # as Footer does: the flag a click reads and the class that dims the key (not
            # the `disabled` reactive, whose restyling of a dozen keys took 6 ms a flip)
            key._disabled = off
            key.set_class(off, "-disabled")
        return True
