"""The Claims rule pack in the settings file: saved, loaded, old files still load, a bad
value falls back to all jurisdictions with a message."""
from __future__ import annotations

from consultui.settings import (Practitioner, Settings, load_settings, save_settings, settings_path, with_jurisdictions,
                                with_theme)


def write(text: str) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_round_trip_keeps_theme_practitioner_and_pack():
    saved = with_jurisdictions(Settings(theme="ansi-dark", practitioner=Practitioner("Dr A", "R1", "C")), ("uk", "au"))
    save_settings(saved)
    assert load_settings() == (saved, None)
    # Changing the theme later keeps the pack.
    save_settings(with_theme(load_settings()[0], "ansi-light"))
    assert load_settings()[0].jurisdictions == ("uk", "au")


def test_all_is_not_written_and_an_old_file_loads_as_all():
    save_settings(Settings(theme="ansi-dark"))
    assert "jurisdictions" not in settings_path().read_text(encoding="utf-8")
    write('theme = "ansi-dark"\n[practitioner]\nname = "Dr B"\n')
    settings, message = load_settings()
    assert message is None and settings.jurisdictions == ("all",) and settings.practitioner.name == "Dr B"
    assert with_jurisdictions(settings, ()).jurisdictions == ("all",)


def test_one_code_as_text_and_mixed_case_are_read():
    write('jurisdictions = "AU, us"\n')
    assert load_settings() == (Settings(jurisdictions=("au", "us")), None)


def test_bad_values_fall_back_to_all_with_a_message():
    write('theme = "ansi-dark"\njurisdictions = ["ukk"]\n')
    settings, message = load_settings()
    assert settings == Settings(theme="ansi-dark")
    assert message is not None and "jurisdictions: unknown jurisdiction 'ukk'" in message and '"uk"' in message
    write('jurisdictions = 3\n[practitioner]\nnam = "x"\n')
    settings, message = load_settings()
    assert settings.jurisdictions == ("all",)
    assert message is not None and 'jurisdictions must be a list such as ["uk", "au"]' in message
    assert 'did you mean "name"' in message   # the practitioner's problem is kept too
