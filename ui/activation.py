"""The till's window takes the keyboard back by itself: after it is shown and after
every dialog over it closes.

A window manager gives a newly mapped window the focus; a kiosk PC without one gives
nothing: the F-keys are dead until someone clicks. Qt activates a modal dialog itself
(on X11 without a window manager it sets the input focus), but when the dialog closes
no one hands the focus back. So the window asks for it (``activateWindow``, which on X11
without a window manager sets the X input focus) once it is shown and each time a
dialog over it is hidden, once no other dialog is open.
"""

from __future__ import annotations

from ui.qt import QApplication, QChildEvent, QDialog, QEvent, QObject, QTimer, QWidget, isValid


class KeepActive(QObject):
    """Watches ``window`` and the dialogs opened over it (its children, and theirs)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ChildPolished and isinstance(event, QChildEvent):
            child = event.child()  # a widget about to show: a dialog over the window?
            if isinstance(child, QDialog):
                child.installEventFilter(self)
        elif (kind == QEvent.Type.Show and watched is self.window) or (
            kind == QEvent.Type.Hide and isinstance(watched, QDialog)
        ):
            QTimer.singleShot(0, self.activate)  # shown, or a dialog over it closed
        return False

    def activate(self) -> None:
        window = self.window
        if not isValid(window) or not window.isVisible() or window.isMinimized():
            return
        if QApplication.activeModalWidget() is not None:  # another dialog still open
            return
        window.raise_()
        window.activateWindow()
