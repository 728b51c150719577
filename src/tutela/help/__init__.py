"""Where to get help now: helplines, hotlines, police and emergency numbers per country."""

from tutela.help.directory import Helpline, HelpNow, countries, help_now, helplines

__all__ = ["HelpNow", "Helpline", "countries", "help_now", "helplines"]
