from django.http import HttpResponse


def overview(request, pk=None):  # placeholder until the pages land
    return HttpResponse("")
