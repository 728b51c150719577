"""Every area's tables. Each module here declares its tables against
`tutela.storage.db.metadata`; importing this package registers them all, so a
new area adds one file and nothing else."""

import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
