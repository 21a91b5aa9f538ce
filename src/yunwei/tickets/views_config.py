"""Service desk settings and the satisfaction report (being written)."""

from django.views.generic import View


class Satisfaction(View):
    pass


class Settings(View):
    pass
