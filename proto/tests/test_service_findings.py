"""A security finding recommends what to change only when the setting is weak."""

from actkit_proto.service import Finding


def test_a_finding_recommends_its_advice_only_when_weak() -> None:
    weak = Finding.judged("SSH", "on", is_weak=True, advice="Turn SSH off.")
    assert (weak.is_weak, weak.recommendation) == (True, "Turn SSH off.")
    sound = Finding.judged("SSH", "off", is_weak=False, advice="Turn SSH off.")
    assert sound == Finding(topic="SSH", state="off", is_weak=False)
