"""Resource input names straight from the installed provider SDKs (pulumi-aws, pulumi-mongodbatlas).

The generated Python SDKs carry every resource's type token (in the class source) and its inputs (the
``_internal_init`` signature, nested inputs as ``*Args`` classes): enough to check that a policy reads properties
that exist, in the engine's camelCase, without the provider schema JSON (not shipped with the SDK).
"""

import functools
import importlib
import inspect
import re


def camel(s):
    p = s.split("_")
    return p[0] + "".join(x[:1].upper() + x[1:] for x in p[1:])


_TOKEN = re.compile(r"""__init__\(\s*['"]((?:aws|mongodbatlas):[^'"]+)['"]""")


@functools.lru_cache(None)
def resource_class(token: str):
    pkg, rest = token.split(":", 1)
    mod_path, cls_name = rest.split(":")
    module_dir = mod_path.split("/")[0]
    base = "pulumi_aws" if pkg == "aws" else "pulumi_mongodbatlas"
    modname = base if module_dir == "index" else f"{base}.{module_dir}"
    try:
        m = importlib.import_module(modname)
    except ImportError:
        m = importlib.import_module(modname + "_")  # pulumi_aws.lambda_ (Python keyword)
    cls = getattr(m, cls_name)
    src = inspect.getsource(cls)
    found = _TOKEN.search(src)
    if not found or found.group(1) != token:
        raise LookupError(f"{token}: class {cls} registers {found.group(1) if found else None}")
    return cls


def _inputs_of_callable(fn):
    return {
        n: p.annotation
        for n, p in inspect.signature(fn).parameters.items()
        if n not in ("self", "__self__", "resource_name", "opts", "__props__")
    }


def _resolve(module, annotation):
    """The nested input class named in an annotation string, if any; and whether it is a list."""
    text = annotation if isinstance(annotation, str) else str(annotation)
    names = re.findall(r"'([A-Za-z0-9_]+)'", text)
    is_list = "Sequence[" in text
    is_map = "Mapping[" in text
    cls = None
    for n in names:
        for modname in (module.__name__.rsplit(".", 1)[0] + "._inputs", module.__name__.rsplit(".", 1)[0]):
            try:
                mm = importlib.import_module(modname)
            except ImportError:
                continue
            if hasattr(mm, n):
                cls = getattr(mm, n)
                break
        if cls:
            break
    return cls, is_list, is_map


@functools.lru_cache(None)
def properties(token: str):
    cls = resource_class(token)
    module = inspect.getmodule(cls)
    return {camel(n): a for n, a in _inputs_of_callable(cls._internal_init).items()}, module


def has_path(token: str, path: str) -> bool:
    """path like 'logDeliveryConfigurations[].destinationType' or 'tags' (maps end the walk)."""
    props, module = properties(token)
    parts = path.replace("[]", "").split(".")
    current = props
    for i, part in enumerate(parts):
        if part not in current:
            return False
        if i == len(parts) - 1:
            return True
        cls, is_list, is_map = _resolve(module, current[part])
        if is_map and cls is None:
            return True  # free-form map (tags, parameters by key)
        if cls is None:
            return False
        module = inspect.getmodule(cls)
        current = {camel(n): a for n, a in _inputs_of_callable(cls.__init__).items()}
    return True


def nested(token: str, path: str) -> list[str]:
    """Input names of the nested object at ``path`` (for exploring)."""
    props, module = properties(token)
    parts = path.split(".")
    current = props
    for part in parts:
        cls, _, _ = _resolve(module, current[part])
        module = inspect.getmodule(cls)
        current = {camel(n): a for n, a in _inputs_of_callable(cls.__init__).items()}
    return sorted(current)
