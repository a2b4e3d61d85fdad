from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb import filetables
from whoosh.filedb.filestore import RamStorage
import pytest

from newsearch.termsindex import CompactOrderedHashWriter

KEYS = st.lists(st.binary(min_size=1, max_size=12), unique=True, max_size=600).map(sorted)


def _written(writer_class: type, items: list[tuple[bytes, bytes]]) -> bytes:
    storage = RamStorage()
    writer = writer_class(storage.create_file("terms"))
    writer.extras["fieldmap"] = {"title": 0}
    for key, value in items:
        writer.add(key, value)
    writer.close()
    return storage.open_file("terms").read()


@settings(max_examples=150, deadline=None)
@given(KEYS)
def test_the_compact_writer_writes_whooshs_file_byte_for_byte(keys):
    items = [(key, key[::-1] * 3) for key in keys]
    assert _written(CompactOrderedHashWriter, items) == _written(filetables.OrderedHashWriter, items)


def test_a_file_it_writes_is_read_by_whooshs_reader():
    keys = sorted(f"term{n}".encode() for n in range(5000))
    storage = RamStorage()
    writer = CompactOrderedHashWriter(storage.create_file("terms"))
    for key in keys:
        writer.add(key, key.upper())
    length = writer.close()
    reader = filetables.OrderedHashReader(storage.open_file("terms"), length)
    assert reader[b"term4321"] == b"TERM4321"
    assert list(islice(reader.keys_from(b"term4998"), 3)) == [b"term4998", b"term4999", b"term5"]  # byte order
    assert b"missing" not in reader


def test_keys_out_of_order_are_refused_as_whoosh_refuses_them():
    writer = CompactOrderedHashWriter(RamStorage().create_file("terms"))
    writer.add(b"b", b"1")
    with pytest.raises(ValueError):
        writer.add(b"a", b"2")
