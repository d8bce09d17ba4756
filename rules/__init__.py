"""Built-in rules, one module per rule; installed as `barrierlint.rules`.

The registry imports every module of this package, so a new rule is one new module here plus
its fixtures under `fixtures/<CODE>/`; nothing else needs editing.
"""
