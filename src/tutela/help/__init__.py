"""Where to get help now: helplines, hotlines, police and emergency numbers per country."""

from tutela.help.directory import Helpline, countries, helplines

__all__ = ["Helpline", "countries", "helplines"]
