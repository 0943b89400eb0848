"""pytest fixtures for fakes3 (the plugin is fakes3_pytest.plugin, loaded through its pytest11
entry point). Fakes3 is also usable without pytest: Fakes3("http://127.0.0.1:4569").reset()."""

from .control import Clock, Fakes3, Fakes3Error, Fakes3Timeout, Fault
from .server import Fakes3Process, Fakes3StartError, find_binary

__all__ = ["Clock", "Fakes3", "Fakes3Error", "Fakes3Process", "Fakes3StartError", "Fakes3Timeout",
           "Fault", "find_binary"]
__version__ = "0.1.0"
