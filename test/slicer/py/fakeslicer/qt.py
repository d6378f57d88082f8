"""FAKE qt for tests: just enough widgets, signals and a timer loop to drive generated modules.

Real, distinct classes (not mocks): signals are stored and emitted, timers fire when the fake
slicer.app.processEvents() runs them.
"""

import inspect
import time


def _accepted(slot, available):
    try:
        parameters = inspect.signature(slot).parameters.values()
    except (TypeError, ValueError):
        return available
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return available
    return min(available, len([p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]))


class QObject(object):
    def __init__(self, *args, **kwargs):
        self._slots = {}

    def connect(self, signal, slot):
        self._slots.setdefault(signal, []).append(slot)

    def emit(self, signal, *args):
        # like PythonQt: a slot gets as many of the signal's arguments as it accepts
        for slot in list(self._slots.get(signal, [])):
            slot(*args[:_accepted(slot, len(args))])


class QWidget(QObject):
    def __init__(self, *args, **kwargs):
        QObject.__init__(self)
        self.enabled = True
        self.visible = True
        self.toolTip = ""
        self._properties = {}

    def setProperty(self, name, value):
        self._properties[name] = value

    def property(self, name):
        return self._properties.get(name)

    def setToolTip(self, text):
        self.toolTip = text


class QBoxLayout(QObject):
    def __init__(self, parent=None):
        QObject.__init__(self)
        self.widgets = []

    def addWidget(self, widget):
        self.widgets.append(widget)

    def addStretch(self, factor=0):
        self.widgets.append(("stretch", factor))


QVBoxLayout = QBoxLayout


class QFormLayout(QObject):
    def __init__(self, parent=None):
        QObject.__init__(self)
        self.rows = []

    def addRow(self, label, widget):
        self.rows.append((label, widget))


class QLabel(QWidget):
    def __init__(self, text=""):
        QWidget.__init__(self)
        self.text = text


class QPushButton(QWidget):
    def __init__(self, text=""):
        QWidget.__init__(self)
        self.text = text

    def click(self):
        if self.enabled:
            self.emit("clicked(bool)", False)


class QCheckBox(QWidget):
    def __init__(self, text=""):
        QWidget.__init__(self)
        self.checked = False

    def setChecked(self, checked):
        if self.checked != bool(checked):
            self.checked = bool(checked)
            self.emit("toggled(bool)", self.checked)


class QComboBox(QWidget):
    def __init__(self):
        QWidget.__init__(self)
        self._items = []
        self.currentIndex = -1
        self._blocked = False

    def blockSignals(self, block):
        self._blocked = block

    def emit(self, signal, *args):
        if not self._blocked:
            QWidget.emit(self, signal, *args)

    def clear(self):
        self._items = []
        self.currentIndex = -1

    def itemText(self, index):
        return self._items[index][0]

    def addItem(self, text, data=None):
        self._items.append((text, data))
        if self.currentIndex < 0:
            self.currentIndex = 0

    def addItems(self, texts):
        for text in texts:
            self.addItem(text)

    @property
    def count(self):
        return len(self._items)

    @property
    def currentText(self):
        return self._items[self.currentIndex][0] if 0 <= self.currentIndex < len(self._items) else ""

    def itemData(self, index):
        return self._items[index][1]

    def findData(self, data):
        return next((i for i, item in enumerate(self._items) if item[1] == data), -1)

    def setCurrentIndex(self, index):
        self.currentIndex = index
        self.emit("currentIndexChanged(int)", index)


class QProgressBar(QWidget):
    def __init__(self):
        QWidget.__init__(self)
        self.value = 0
        self.range = (0, 100)

    def setRange(self, low, high):
        self.range = (low, high)


class QPlainTextEdit(QWidget):
    def __init__(self):
        QWidget.__init__(self)
        self.lines = []

    def setReadOnly(self, value):
        self.readOnly = value

    def setMaximumBlockCount(self, count):
        self.maximumBlockCount = count

    def appendPlainText(self, text):
        self.lines.append(text)

    def clear(self):
        self.lines = []

    def toPlainText(self):
        return "\n".join(self.lines)


class QListWidget(QWidget):
    def __init__(self):
        QWidget.__init__(self)
        self.items = []
        self.currentRow = -1

    def addItem(self, text):
        self.items.append(text)

    def clear(self):
        self.items = []
        self.currentRow = -1

    def setCurrentRow(self, row):
        self.currentRow = row
        self.emit("currentRowChanged(int)", row)


class QTextBrowser(QWidget):
    def __init__(self):
        QWidget.__init__(self)
        self.html = ""

    def setHtml(self, html):
        self.html = html

    def setOpenExternalLinks(self, value):
        self.openExternalLinks = value


_active_timers = []


class QTimer(QObject):
    def __init__(self):
        QObject.__init__(self)
        self.interval = 0
        self._due = None

    def setInterval(self, msec):
        self.interval = msec

    def start(self):
        self._due = time.monotonic() + self.interval / 1000.0
        if self not in _active_timers:
            _active_timers.append(self)

    def stop(self):
        self._due = None
        if self in _active_timers:
            _active_timers.remove(self)

    def isActive(self):
        return self._due is not None


def _process_timers():
    now = time.monotonic()
    for timer in list(_active_timers):
        if timer._due is not None and timer._due <= now:
            timer._due = now + timer.interval / 1000.0
            timer.emit("timeout()")
