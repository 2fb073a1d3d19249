from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.choices import Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "enterprises"

urlpatterns = [
    path("", v.EnterpriseList.as_view(), name="enterpriseprofile_list"),
    path("add/", v.EnterpriseEdit.as_view(), name="enterpriseprofile_add"),
    path("<int:pk>/", v.EnterpriseDetail.as_view(), name="enterpriseprofile_detail"),
    path("<int:pk>/edit/", v.EnterpriseEdit.as_view(), name="enterpriseprofile_edit"),
    path("<int:pk>/grade/", v.EnterpriseGrade.as_view(), name="enterpriseprofile_grade"),
    path("map/", v.EnterpriseMap.as_view(), name="map"),
    path("regrade/", v.Regrade.as_view(), name="regrade"),
    path("import/", v.ImportPage.as_view(), name="enterprises_import"),
    path("import/template.xlsx", v.ImportTemplate.as_view(), name="enterprises_import_template"),
    path("licences/import/", v.LicenceImportPage.as_view(), name="licences_import"),
    path(
        "licences/import/template.xlsx",
        v.LicenceImportTemplate.as_view(),
        name="licences_import_template",
    ),
    *registry_urls(
        "licences", "licence", v.LicenceList, v.LicenceDetail, v.LicenceEdit, v.LicenceDelete
    ),
    *registry_urls(
        "grades",
        "gradelevel",
        v.GradeLevelList,
        v.GradeLevelDetail,
        v.GradeLevelEdit,
        v.GradeLevelDelete,
    ),
    *registry_urls(
        "rules", "graderule", v.GradeRuleList, v.GradeRuleDetail, v.GradeRuleEdit, v.GradeRuleDelete
    ),
    *registry_urls(
        "licence-types",
        "licencetype",
        v.LicenceTypeList,
        v.LicenceTypeDetail,
        v.LicenceTypeEdit,
        v.LicenceTypeDelete,
    ),
]

navigation.register(
    NavItem(
        "registry",
        _("Enterprises"),
        "enterprises:enterpriseprofile_list",
        "building-factory-2",
        order=5,
    )
)
navigation.register(NavItem("registry", _("Enterprise map"), "enterprises:map", "map-pin", order=6))
navigation.register(
    NavItem("registry", _("Licences"), "enterprises:licence_list", "certificate", order=7)
)
navigation.register(
    NavItem(
        "registry",
        _("Import from Excel"),
        "enterprises:enterprises_import",
        "file-spreadsheet",
        order=8,
    )
)
navigation.register(
    NavItem(
        "system",
        _("Supervision grades"),
        "enterprises:gradelevel_list",
        "stairs",
        roles={Role.SAFETY_OFFICE, Role.ADMIN},
        order=40,
    )
)
navigation.register(
    NavItem(
        "system",
        _("Grading rules"),
        "enterprises:graderule_list",
        "adjustments",
        roles={Role.SAFETY_OFFICE, Role.ADMIN},
        order=41,
    )
)
navigation.register(
    NavItem(
        "system",
        _("Licence types"),
        "enterprises:licencetype_list",
        "list-details",
        roles={Role.SAFETY_OFFICE, Role.ADMIN},
        order=42,
    )
)
