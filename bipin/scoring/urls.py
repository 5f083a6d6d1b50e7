"""The pages of 比拼: the boards, runs and 成绩单 (views/boards/), the schemes
(views/schemes.py), the high-quality development index (views/index.py) and the 亩均
evaluation (views/evaluations.py). Each views module lists its own patterns."""

from django.urls import URLPattern

from bipin.scoring.views import boards, evaluations, index, schemes

app_name = "scoring"
urlpatterns: list[URLPattern] = [
    *boards.urlpatterns,
    *schemes.urlpatterns,
    *index.urlpatterns,
    *evaluations.urlpatterns,
]
