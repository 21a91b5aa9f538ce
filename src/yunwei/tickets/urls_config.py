from django.urls import path

from yunwei.tickets.views import config as views

urlpatterns = [
    path("satisfaction/", views.Satisfaction.as_view(), name="satisfaction"),
    path("settings/", views.Settings.as_view(), name="settings"),
    path("settings/categories/", views.CategoryList.as_view(), name="category_list"),
    path("settings/categories/new/", views.CategoryAdd.as_view(), name="category_add"),
    path("settings/categories/<int:pk>/edit/", views.CategoryEdit.as_view(), name="category_edit"),
    path(
        "settings/categories/<int:pk>/delete/",
        views.CategoryDelete.as_view(),
        name="category_delete",
    ),
    path("settings/priority-matrix/", views.PriorityMatrix.as_view(), name="priority_matrix"),
    path(
        "settings/canned-responses/",
        views.CannedResponseList.as_view(),
        name="canned_response_list",
    ),
    path(
        "settings/canned-responses/new/",
        views.CannedResponseAdd.as_view(),
        name="canned_response_add",
    ),
    path(
        "settings/canned-responses/<int:pk>/edit/",
        views.CannedResponseEdit.as_view(),
        name="canned_response_edit",
    ),
    path(
        "settings/canned-responses/<int:pk>/delete/",
        views.CannedResponseDelete.as_view(),
        name="canned_response_delete",
    ),
    path(
        "settings/assignment-rules/",
        views.AssignmentRuleList.as_view(),
        name="assignment_rule_list",
    ),
    path(
        "settings/assignment-rules/new/",
        views.AssignmentRuleAdd.as_view(),
        name="assignment_rule_add",
    ),
    path(
        "settings/assignment-rules/<int:pk>/edit/",
        views.AssignmentRuleEdit.as_view(),
        name="assignment_rule_edit",
    ),
    path(
        "settings/assignment-rules/<int:pk>/delete/",
        views.AssignmentRuleDelete.as_view(),
        name="assignment_rule_delete",
    ),
]
