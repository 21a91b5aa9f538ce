from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from yunwei.accounts import views
from yunwei.accounts.forms import ResetPasswordForm, ResetRequestForm

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("language/", views.set_language, name="set_language"),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", views.create_token, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="token_revoke"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ResetRequestForm,
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=ResetPasswordForm,
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("organizations/", views.OrganizationList.as_view(), name="organization_list"),
    path("organizations/new/", views.OrganizationAdd.as_view(), name="organization_add"),
    path("organizations/<int:pk>/", views.OrganizationDetail.as_view(), name="organization"),
    path(
        "organizations/<int:pk>/edit/", views.OrganizationEdit.as_view(), name="organization_edit"
    ),
    path("users/", views.UserList.as_view(), name="user_list"),
    path("users/new/", views.UserAdd.as_view(), name="user_add"),
    path("users/<int:pk>/", views.UserDetail.as_view(), name="user"),
    path("users/<int:pk>/edit/", views.UserEdit.as_view(), name="user_edit"),
    path("teams/", views.TeamList.as_view(), name="team_list"),
    path("teams/new/", views.TeamAdd.as_view(), name="team_add"),
    path("teams/<int:pk>/", views.TeamDetail.as_view(), name="team"),
    path("teams/<int:pk>/edit/", views.TeamEdit.as_view(), name="team_edit"),
    path("roles/", views.RoleList.as_view(), name="role_list"),
    path("roles/<int:pk>/", views.RoleDetail.as_view(), name="role"),
    path("roles/<int:pk>/edit/", views.RoleEdit.as_view(), name="role_edit"),
]
