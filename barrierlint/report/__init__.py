"""Reporters: one module per output format, each turning located findings into text."""


def printable(text: str, keep: str = "") -> str:
    """Text from a pipeline or a file name, safe for a terminal line: line breaks, escape
    sequences and undecodable bytes are shown escaped (`\\n`, `\\x1b`, `\\udce9`)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)
