"""Typed factories for the fixed cast of the tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from yunwei.accounts.models import Organization, Team, User

PASSWORD = "Correct-horse-42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Customer {n}")
    code = factory.Sequence(lambda n: f"customer-{n}")
    kind = "customer"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    organization = factory.SubFactory(OrganizationFactory)
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.set(Group.objects.filter(role__code__in=extracted))
        self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
