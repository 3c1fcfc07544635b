"""A do-nothing MongoDB wire server: it parses every request and answers at once.

Run as ``python -m benchmarks._serve null`` (see :func:`benchmarks.servers.null_server`);
it prints ``mongodb://127.0.0.1:PORT/?directConnection=true`` and serves until its
standard input closes.

Why: the hot-path budgets of issue 15 compare the client CPU our manager adds per
message with raw PyMongo ``update_one`` calls. Against a real server both sides
would also wait for the server, and against the embedded Python server an update
costs milliseconds that grow with the document. This server stores nothing and
answers every command in microseconds, the same way for both sides of each
comparison, so what is left is the client's own work. It runs in its own process:
its CPU is not the client's.

It speaks OP_MSG (opcode 2013: the body section and document sequences, kind 1)
and answers the legacy OP_QUERY ``isMaster`` / ``hello`` handshake (PyMongo sends
one first when no API version is set) with OP_REPLY (opcode 1). Each request's
BSON is decoded (``bson.decode``), so the server does the parsing work a server
must do, and writes report what they were given (``n`` = the number of documents or
statements). Reads find nothing (``find`` / ``aggregate``: an empty first batch),
``findAndModify`` returns a document with the filter's ``_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
import struct
from typing import Any

import bson

OP_REPLY = 1
OP_QUERY = 2004
OP_MSG = 2013
_HEADER = struct.Struct("<iiii")
_CHECKSUM_PRESENT = 1
_MORE_TO_COME = 1 << 1
MAX_MESSAGE = 48_000_000

_connection_ids = itertools.count(1)


def hello_reply(connection_id: int) -> dict[str, Any]:
    """What a standalone server answers to ``hello`` / ``isMaster``."""
    return {
        "helloOk": True,
        "ismaster": True,
        "isWritablePrimary": True,
        "maxBsonObjectSize": 16 * 1024 * 1024,
        "maxMessageSizeBytes": MAX_MESSAGE,
        "maxWriteBatchSize": 100_000,
        "localTime": datetime.datetime.now(datetime.UTC),
        "logicalSessionTimeoutMinutes": 30,
        "connectionId": connection_id,
        "minWireVersion": 0,
        "maxWireVersion": 21,
        "readOnly": False,
        "ok": 1.0,
    }


def _cursor(body: dict[str, Any], batch: str = "firstBatch") -> dict[str, Any]:
    collection = body.get("find") or body.get("aggregate") or body.get("listIndexes") or ""
    if batch == "nextBatch":
        collection = body.get("collection", "")
    ns = f"{body.get('$db', 'test')}.{collection if isinstance(collection, str) else 'x'}"
    return {"cursor": {"id": bson.Int64(0), "ns": ns, batch: []}, "ok": 1.0}


def answer(body: dict[str, Any], sequences: dict[str, list[Any]], connection_id: int) -> Any:
    """The reply document of one command (``sequences``: its kind-1 document sequences)."""
    name = next(iter(body), "").lower() if body else ""
    if name in ("hello", "ismaster"):
        return hello_reply(connection_id)
    if name == "insert":
        return {"n": len(sequences.get("documents", body.get("documents", []))), "ok": 1.0}
    if name == "update":
        count = len(sequences.get("updates", body.get("updates", [])))
        return {"n": count, "nModified": count, "ok": 1.0}
    if name == "delete":
        return {"n": 1, "ok": 1.0}
    if name in ("find", "aggregate", "listindexes"):
        return _cursor(body)
    if name == "getmore":
        return _cursor(body, "nextBatch")
    if name == "findandmodify":
        found = (body.get("query") or {}).get("_id")
        return {
            "value": {"_id": found},
            "lastErrorObject": {"n": 1, "updatedExisting": True},
            "ok": 1.0,
        }
    if name == "count":
        return {"n": 0, "ok": 1.0}
    if name == "killcursors":
        return {"cursorsKilled": body.get("cursors", []), "ok": 1.0}
    # ping, buildInfo, endSessions, createIndexes, dropDatabase, ...
    return {"ok": 1.0}


def parse_op_msg(payload: memoryview) -> tuple[int, dict[str, Any], dict[str, list[Any]]]:
    """(flag bits, body, document sequences) of an OP_MSG (``payload``: after the header)."""
    flags = int.from_bytes(payload[:4], "little")
    end = len(payload) - (4 if flags & _CHECKSUM_PRESENT else 0)
    pos = 4
    body: dict[str, Any] = {}
    sequences: dict[str, list[Any]] = {}
    while pos < end:
        kind = payload[pos]
        pos += 1
        size = int.from_bytes(payload[pos : pos + 4], "little")
        if kind == 0:
            body = bson.decode(payload[pos : pos + size])
        elif kind == 1:
            section = payload[pos + 4 : pos + size]
            name_end = bytes(section).index(b"\x00")
            identifier = bytes(section[:name_end]).decode()
            sequences[identifier] = bson.decode_all(bytes(section[name_end + 1 :]))
        else:
            raise ValueError(f"unknown OP_MSG section kind {kind}")
        pos += size
    return flags, body, sequences


def op_msg(request_id: int, response_to: int, reply: dict[str, Any]) -> bytes:
    """An OP_MSG carrying ``reply`` as its body."""
    data = b"\x00\x00\x00\x00\x00" + bson.encode(reply)
    return _HEADER.pack(16 + len(data), request_id, response_to, OP_MSG) + data


def op_reply(request_id: int, response_to: int, reply: dict[str, Any]) -> bytes:
    """An OP_REPLY carrying one document (the answer to a legacy OP_QUERY)."""
    data = struct.pack("<iqii", 0, 0, 0, 1) + bson.encode(reply)
    return _HEADER.pack(16 + len(data), request_id, response_to, OP_REPLY) + data


def legacy_query(payload: memoryview) -> dict[str, Any]:
    """The query document of an OP_QUERY (``payload``: after the header)."""
    name_end = bytes(payload[4:]).index(b"\x00") + 4
    start = name_end + 1 + 8  # skip numberToSkip and numberToReturn
    size = int.from_bytes(payload[start : start + 4], "little")
    return bson.decode(payload[start : start + size])


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Serve one connection until the client closes it."""
    connection_id = next(_connection_ids)
    request_ids = itertools.count(1)
    try:
        while True:
            header = await reader.readexactly(16)
            length, request_id, _, opcode = _HEADER.unpack(header)
            if not 16 <= length <= MAX_MESSAGE:
                break
            payload = memoryview(await reader.readexactly(length - 16))
            if opcode == OP_MSG:
                flags, body, sequences = parse_op_msg(payload)
                reply = answer(body, sequences, connection_id)
                if not flags & _MORE_TO_COME:  # an unacknowledged write gets no reply
                    writer.write(op_msg(next(request_ids), request_id, reply))
            elif opcode == OP_QUERY:
                reply = answer(legacy_query(payload), {}, connection_id)
                writer.write(op_reply(next(request_ids), request_id, reply))
            else:
                break  # OP_COMPRESSED and the rest: not offered, so never sent
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def serve(stop: asyncio.Event, port: int = 0) -> None:
    """Listen on 127.0.0.1 (``port`` 0: a free one), print the URI, serve until ``stop``."""
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"mongodb://127.0.0.1:{bound}/?directConnection=true", flush=True)
    async with server:
        await stop.wait()
