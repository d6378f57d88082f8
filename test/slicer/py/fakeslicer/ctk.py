"""FAKE ctk for tests."""

import qt


class ctkCollapsibleButton(qt.QWidget):
    def __init__(self):
        qt.QWidget.__init__(self)
        self.text = ""
        self.collapsed = False


class ctkSearchBox(qt.QWidget):
    def __init__(self):
        qt.QWidget.__init__(self)
        self.text = ""

    def setText(self, text):
        self.text = text
        self.emit("textChanged(QString)", text)
