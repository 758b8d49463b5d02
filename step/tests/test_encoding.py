"""The worked example of the notes §2 (iris.train row 1), byte for byte."""

from sqlflow_step.encoding import encode_value, go_text_escape, wrapper


def test_worked_example() -> None:
    esc = lambda k, v: go_text_escape(wrapper(k, v)[1])  # noqa: E731
    assert esc("DoubleValue", 6.4) == "\\t\\232\\231\\231\\231\\231\\231\\031@"
    assert esc("DoubleValue", 2.8) == "\\tffffff\\006@"
    assert esc("DoubleValue", 5.6) == "\\tffffff\\026@"
    assert esc("DoubleValue", 2.2) == "\\t\\232\\231\\231\\231\\231\\231\\001@"
    assert esc("Int32Value", 2) == "\\010\\002"
    assert esc("StringValue", "setosa") == "\\n\\006setosa"


def test_null_and_zero() -> None:
    assert encode_value(None, "Int32Value") == 'data:<type_url:"type.googleapis.com/proto.Row.Null" > '
    assert encode_value(0, "Int32Value") == 'data:<type_url:"type.googleapis.com/google.protobuf.Int32Value" > '
