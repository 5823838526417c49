#!/usr/bin/env python3
"""Writes the libFuzzer seed corpora under Fuzz/corpus/<target>/ from the RFC 8448 traces in
Tests/ResumableTLSTests/Vectors/rfc8448-vectors.txt.

Each labelled hex block of the traces ("ClientHello (196 octets):" and so on, hex lines
indented 9 spaces) is read and checked against its declared length. Seeds:

- FuzzRecordLayer (config byte 0x00, then the stream): every "complete record"; each
  section's records concatenated (the whole trace as one stream), also fed in 1- and 7-byte
  pieces (config 0x01 and 0x05) and with the ciphertext limit (0x10); each handshake
  "payload" wrapped in one plaintext handshake record and split across two records.
- FuzzHandshakeMessages (context byte, then one message with its header): every handshake
  message, labelled or cut out of a payload; context 0 (.initial) for hellos, 1
  (.tls13(hashLength: 32)) for the rest (RFC 8448 uses TLS_AES_128_GCM_SHA256).
- FuzzExtensions: every extension block of those messages (context byte as in
  ExtensionContext.allCases, then the block with its 2-byte length) and every single extension
  (0x80 | context, then type and body).

Usage: scripts/extract-fuzz-seeds.py [REPO_ROOT]   (default: the parent of scripts/)
The output is deterministic; rerunning it replaces Fuzz/corpus/.
"""
import hashlib
import os
import re
import shutil
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "Tests/ResumableTLSTests/Vectors/rfc8448-vectors.txt")
CORPUS = os.path.join(ROOT, "Fuzz/corpus")

MESSAGE_LABELS = {
    "ClientHello", "ServerHello", "EncryptedExtensions", "Certificate", "CertificateRequest",
    "CertificateVerify", "Finished", "NewSessionTicket", "EndOfEarlyData",
}
HANDSHAKE_TYPES = {1, 2, 4, 5, 8, 11, 13, 15, 20, 24}
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
# ExtensionContext.allCases order
CTX = {"clientHello": 0, "serverHello": 1, "helloRetryRequest": 2, "encryptedExtensions": 3,
       "certificate": 4, "certificateRequest": 5, "newSessionTicket": 6}


def read_blocks(path):
    """Yields (section, label, bytes) for every labelled hex block."""
    section = "0"
    label = None
    declared = 0
    data = bytearray()
    blocks = []

    def flush():
        if label is not None:
            if len(data) != declared:
                raise SystemExit(f"{label} in section {section}: {len(data)} bytes, declared {declared}")
            blocks.append((section, label, bytes(data)))

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(\d+)\.\s", line)
            if m:
                flush(); label = None
                section = m.group(1)
                continue
            m = re.match(r"^ {6}(\S.*?) \((\d+) octets\):$", line)
            if m:
                flush()
                label, declared, data = m.group(1), int(m.group(2)), bytearray()
                continue
            if label is not None and re.match(r"^ {9}([0-9a-f]{2})( [0-9a-f]{2})*$", line):
                data += bytes.fromhex(line.strip().replace(" ", ""))
                continue
            if label is not None and line.strip():
                # "(empty)", "0 (all zero octets)": not hex; the block ends here.
                flush(); label = None
        flush()
    return blocks


def split_messages(payload):
    """The handshake messages of a payload, or [] if it is not a sequence of whole messages."""
    out, i = [], 0
    while i < len(payload):
        if i + 4 > len(payload) or payload[i] not in HANDSHAKE_TYPES:
            return []
        n = int.from_bytes(payload[i + 1:i + 4], "big")
        if i + 4 + n > len(payload):
            return []
        out.append(payload[i:i + 4 + n])
        i += 4 + n
    return out


class Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("truncated")
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def num(self, n):
        return int.from_bytes(self.take(n), "big")

    def vec(self, n):
        return self.take(self.num(n))

    def block(self):
        """An extension block with its 2-byte length."""
        start = self.i
        self.vec(2)
        return self.b[start:self.i]


def extension_blocks(message):
    """(context, block) pairs of a TLS 1.3 handshake message (header included)."""
    t, r = message[0], Reader(message[4:])
    try:
        if t == 1:
            r.take(2 + 32); r.vec(1); r.vec(2); r.vec(1)
            return [(CTX["clientHello"], r.block())]
        if t == 2:
            r.take(2); random = r.take(32); r.vec(1); r.take(3)
            ctx = CTX["helloRetryRequest"] if random == HRR_RANDOM else CTX["serverHello"]
            return [(ctx, r.block())]
        if t == 8:
            return [(CTX["encryptedExtensions"], r.block())]
        if t == 13:
            r.vec(1)
            return [(CTX["certificateRequest"], r.block())]
        if t == 4:
            r.take(8); r.vec(1); r.vec(2)
            return [(CTX["newSessionTicket"], r.block())]
        if t == 11:
            r.vec(1)
            entries, out = Reader(r.vec(3)), []
            while entries.i < len(entries.b):
                entries.vec(3)
                out.append((CTX["certificate"], entries.block()))
            return out
    except ValueError:
        pass
    return []


def extensions_of(block):
    r, out = Reader(block[2:]), []
    while r.i < len(r.b):
        t = r.take(2)
        out.append(t + r.vec(2))  # type then body, without the body's length
    return out


def record(content_type, fragment):
    return bytes([content_type, 3, 3]) + len(fragment).to_bytes(2, "big") + fragment


def main():
    blocks = read_blocks(VECTORS)
    seeds = {"FuzzRecordLayer": {}, "FuzzHandshakeMessages": {}, "FuzzExtensions": {}}

    def add(target, name, data):
        for existing in seeds[target].values():
            if existing == data:
                return
        base, n = name, 2
        while name in seeds[target]:
            name, n = f"{base}-{n}", n + 1
        seeds[target][name] = data

    messages = []  # (section, label, bytes)
    streams = {}
    for section, label, data in blocks:
        if label == "complete record":
            add("FuzzRecordLayer", f"s{section}-record", b"\x00" + data)
            streams.setdefault(section, bytearray()).extend(data)
        elif label == "payload":
            parts = split_messages(data)
            if parts:
                add("FuzzRecordLayer", f"s{section}-handshake-payload", b"\x00" + record(22, data))
                half = len(data) // 2
                add("FuzzRecordLayer", f"s{section}-handshake-payload-split",
                    b"\x00" + record(22, data[:half]) + record(22, data[half:]))
                messages += [(section, "payload-message", m) for m in parts]
        elif label in MESSAGE_LABELS:
            messages.append((section, label, data))
    for section, stream in streams.items():
        for config, suffix in ((0x00, ""), (0x01, "-1byte"), (0x05, "-7byte"), (0x10, "-cipherlimit")):
            add("FuzzRecordLayer", f"s{section}-stream{suffix}", bytes([config]) + bytes(stream))

    names = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 5: "EndOfEarlyData",
             8: "EncryptedExtensions", 11: "Certificate", 13: "CertificateRequest",
             15: "CertificateVerify", 20: "Finished", 24: "KeyUpdate"}
    for section, _, message in messages:
        name = names.get(message[0], f"type{message[0]}")
        if message[0] == 2 and message[6:38] == HRR_RANDOM:
            name = "HelloRetryRequest"
        context = 0 if message[0] in (1, 2) else 1
        add("FuzzHandshakeMessages", f"s{section}-{name}", bytes([context]) + message)
        for ctx, block in extension_blocks(message):
            ctx_name = [k for k, v in CTX.items() if v == ctx][0]
            add("FuzzExtensions", f"s{section}-{ctx_name}-block", bytes([ctx]) + block)
            for ext in extensions_of(block):
                add("FuzzExtensions", f"s{section}-{ctx_name}-ext{int.from_bytes(ext[:2], 'big')}",
                    bytes([0x80 | ctx]) + ext)

    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    for target, files in seeds.items():
        os.makedirs(os.path.join(CORPUS, target))
        for name, data in sorted(files.items()):
            with open(os.path.join(CORPUS, target, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(files)} seeds")


if __name__ == "__main__":
    main()
