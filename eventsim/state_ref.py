"""A run's state passed to compiled code by reference: ``by_reference(state)``.

A run's state is a named tuple of arrays built by keyword (``network_runtime.NetState``,
``HwState``, ...). Passed by value, Numba flattens every array of it into the arguments of each
compiled function that takes it: about seven machine words per array, some 800 for a network on
a machine, and the compile time of a function grows faster than its number of arguments
(``benchmarks/compile_time.py``). ``by_reference`` gives compiled code the same fields behind one
pointer: a ``StateRef``, whose fields compiled code reads as it reads the tuple's (``ref.ring``;
the arrays are the tuple's own, not copies). Python keeps using the tuple.

A ``StateRef`` is a Numba structure reference (``numba.experimental.structref``) whose fields
are read without reference counting, so that ``kernel_jit`` functions (built without it) can
read them; the reference itself keeps its arrays alive. Its fields are set once, when it is
made; compiled code cannot replace them (it writes into the arrays).
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils, imputils
from numba.core.datamodel import default_manager, models
from numba.core.extending import infer_getattr, intrinsic, lower_getattr_generic
from numba.core.runtime.nrtdynmod import _meminfo_struct_type
from numba.core.typing.templates import AttributeTemplate
from numba.experimental import structref


class StateRefType(types.StructRef):
    """The Numba type of a ``StateRef``: the field names and types of the tuple it holds."""

    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(t)) for name, t in fields)


class StateRef(structref.StructRefProxy):
    """A state as compiled code sees it (``by_reference``); Python reads the tuple instead."""


default_manager.register(StateRefType, models.StructRefModel)
structref.define_boxing(StateRefType, StateRef)


@infer_getattr
class _StateRefFields(AttributeTemplate):
    key = StateRefType

    def generic_resolve(self, typ, attr):
        return typ.field_dict.get(attr)


def _load_invariant(builder, pointer):
    """Load ``*pointer``, marked as memory that does not change while compiled code runs (a
    reference's fields are set once, when it is made), one scalar at a time, so that LLVM may
    hoist each load out of loops and drop the ones nobody uses."""
    pointee = pointer.type.pointee
    if isinstance(pointee, (ir.BaseStructType, ir.ArrayType)):
        n = len(pointee.elements) if isinstance(pointee, ir.BaseStructType) else pointee.count
        value = ir.Constant(pointee, ir.Undefined)
        for i in range(n):
            member = _load_invariant(builder, cgutils.gep_inbounds(builder, pointer, 0, i))
            value = builder.insert_value(value, member, i)
        return value
    load = builder.load(pointer)
    load.set_metadata("invariant.load", builder.module.add_metadata([]))
    return load


def _fields(context, builder, typ, value):
    """The structure of the fields of reference ``value`` (the data its meminfo points to),
    found without the reference-counting runtime."""
    meminfo = cgutils.create_struct_proxy(typ)(context, builder, value=value).meminfo
    info = builder.bitcast(meminfo, _meminfo_struct_type.as_pointer())
    data = _load_invariant(builder, cgutils.gep_inbounds(builder, info, 0, 3))  # MemInfo.data
    data_type = typ.get_data_type()
    pointer = builder.bitcast(data, context.get_data_type(data_type).as_pointer())
    return context.make_data_helper(builder, data_type, ref=pointer)


@lower_getattr_generic(StateRefType)
def _read_field(context, builder, typ, value, attr):
    fields = _fields(context, builder, typ, value)
    index = fields._datamodel.get_field_position(attr)
    raw = _load_invariant(builder, fields._get_ptr_by_index(index))
    field = fields._cast_member_to_value(index, raw)
    return imputils.impl_ret_borrowed(context, builder, typ.field_dict[attr], field)


def _ref_type(tuple_type) -> StateRefType:
    """The type of the reference ``by_reference`` makes of named tuple type ``tuple_type``: its
    fields, each named tuple among them a reference too."""
    return StateRefType([(name, _ref_type(t) if isinstance(t, types.BaseNamedTuple) else t)
                         for name, t in zip(tuple_type.fields, tuple_type.types)])


def _pack_value(context, builder, tuple_type, value):
    """Code that makes a new reference holding the fields of ``value`` (of named tuple type
    ``tuple_type``; nested named tuples packed in turn), each field a counted reference."""
    ref_type = _ref_type(tuple_type)
    ref = context.compile_internal(builder, lambda: structref.new(ref_type), ref_type(), [])
    fields = _fields(context, builder, ref_type, ref)
    for i, (name, field_type) in enumerate(zip(tuple_type.fields, tuple_type.types)):
        field = builder.extract_value(value, i)
        if isinstance(field_type, types.BaseNamedTuple):
            field = _pack_value(context, builder, field_type, field)    # new, owned here
        else:
            context.nrt.incref(builder, field_type, field)
        setattr(fields, name, field)
    return ref


@intrinsic
def _pack(typingctx, state):
    """A new ``StateRef`` holding the fields of named tuple ``state``."""
    def codegen(context, builder, signature, args):
        return _pack_value(context, builder, state, args[0])
    return _ref_type(state)(state), codegen


def _pack_state(state):
    return _pack(state)


_by_reference_cached = njit(cache=True)(_pack_state)
_by_reference = njit(_pack_state)


PACKAGES = ("eventsim", "networks", "hardware_models", "scenarios")
"""The packages whose named tuple types ``by_reference`` compiles for once and caches. Numba's
cache keeps one index per function, of all the types it was compiled for: a type from elsewhere
(a script, a test's module) could not be read back by a process that cannot import it, so
those are compiled in each process instead (about a second per type)."""


def by_reference(state) -> StateRef:
    """``state`` (a named tuple) as one reference for compiled code: its fields, the same
    arrays; a named tuple among them is a reference too. Compiled once per tuple type, and
    cached when the type is the project's own (``PACKAGES``)."""
    if not is_named_tuple(state):
        raise TypeError(f"by_reference takes a named tuple, got {type(state).__name__}")
    return (_by_reference_cached if _all_cacheable(state) else _by_reference)(state)


def is_named_tuple(x) -> bool:
    """True if ``x`` is an instance of a named tuple class."""
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _all_cacheable(state) -> bool:
    """True if ``state``'s class and those of the named tuples among its fields (at any depth)
    come from ``PACKAGES``."""
    return type(state).__module__.split(".")[0] in PACKAGES and \
        all(_all_cacheable(f) for f in state if is_named_tuple(f))
