"""The HTTP API: thin Starlette routes over the domain.

Path ids are database keys, 32-bit INTEGER columns on PostgreSQL. Starlette's `int`
convertor takes any run of digits, and an id past the column's range fails in the database
driver as a 500; this one matches at most 9 digits (ids below a billion), so a longer one
names no route and is answered 404 like any other id that does not exist. It is registered
before any route is built.
"""

from starlette.convertors import IntegerConvertor, register_url_convertor


class IdConvertor(IntegerConvertor):
    """A non-negative integer below a billion, within any id column's range."""

    regex = "[0-9]{1,9}"


register_url_convertor("int", IdConvertor())
