from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic.base import RedirectView

from tracker import errors, feeds
from tracker.caching import one_pledge, public_view
from tracker.forms import LoginForm
from tracker.i18n import output_language
from tracker.models import Counterpart, Topic
from tracker.views import api, data, follow, ingest, public, review, staff

staff_patterns = [
    path("", staff.worklist, name="worklist"),
    path("pledges/<int:pk>/", staff.pledge_detail, name="pledge_detail"),
    path("pledges/<int:pk>/update/", staff.record_update, name="record_update"),
    path("pledges/<int:pk>/history/", staff.history, name="history"),
    path("pledges/<int:pk>/row/", staff.pledge_row, name="pledge_row"),
    path("pledges/<slug:slug>/", staff.pledge_by_slug, name="pledge_by_slug"),
    path("bulk/", staff.bulk_update, name="bulk_update"),
    path("statements/new/", ingest.new_statement, name="statement_new"),
    path("updates/<int:pk>/review/", review.review_update, name="review_update"),
    path("updates/<int:pk>/withdraw/", review.withdraw_update, name="withdraw_update"),
    path("updates/<int:pk>/translate/", staff.translate_note, name="translate_note"),
]

# A counterpart's page and a topic's are one view (public.group_detail) told what differs.
COUNTERPART_PAGE = {
    "model": Counterpart,
    "about": "concerning",
    "list_url": "counterpart_list",
    "filter_param": "counterpart",
    "feed": "counterpart_feed",
    "follow": "follow_counterpart",
}
TOPIC_PAGE = {
    "model": Topic,
    "about": "on",
    "list_url": "topic_list",
    "filter_param": "topic",
    "feed": "topic_feed",
}

# Machine outputs have one address, whatever the reader's language: the JSON API carries
# both languages of each field, the CSV, the badge and the data files take ?lang= (English
# by default, never Accept-Language: tracker.i18n.output_language), and the health check
# and favicon have no language.
urlpatterns = [
    path("pledges.csv", output_language(data.pledges_csv), name="pledges_csv"),
    path(
        "pledges/<slug:slug>/badge.svg", output_language(public.pledge_badge), name="pledge_badge"
    ),
    path("api/openapi.json", output_language(api.openapi_json), name="openapi"),
    path("api/pledges.json", output_language(api.pledges), name="pledges_json"),
    path("api/pledges/<slug:slug>.json", output_language(api.pledge), name="api_pledge"),
    path("api/statements.json", output_language(api.statements), name="api_statements"),
    path("api/counterparts.json", output_language(api.counterparts), name="api_counterparts"),
    path("api/topics.json", output_language(api.topics), name="api_topics"),
    path("data/<str:filename>", output_language(data.data_file), name="data_file"),
    # Browsers ask for it on pages without a <link rel="icon"> (the admin's, for one).
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("tracker/favicon.svg"), permanent=True),
    ),
    path("healthz", errors.healthz, name="healthz"),
    # Feeds are per language now. Their old addresses served English, so a feed reader
    # subscribed to one moves to the English feed for good, whatever language it asks for.
    re_path(
        r"^(?!(?:ko|en)/)(?P<feed>(?:[\w-]+/)*feed/(?:json/)?)$",
        RedirectView.as_view(url="/en/%(feed)s", permanent=True, query_string=True),
    ),
]

# Every HTML page, and every feed, in each language: /ko/... and /en/.... An address
# without the prefix (an old link, a first visit) is redirected by LocaleMiddleware to
# the reader's language. Paths are the same in both languages: only the prefix differs.
urlpatterns += i18n_patterns(
    path("", public.home, name="home"),
    path("pledges/", public.pledge_list, name="pledge_list"),
    path("pledges/<slug:slug>/", public.pledge_detail, name="pledge_detail"),
    path(
        "pledges/<slug:slug>/feed/",
        public_view(feeds.PledgeFeed(), scope=one_pledge),
        name="pledge_feed",
    ),
    path(
        "pledges/<slug:slug>/feed/json/",
        public_view(feeds.PledgeJSONFeed(), scope=one_pledge),
        name="pledge_feed_json",
    ),
    path("pledges/<slug:slug>/follow/", follow.follow_pledge, name="follow_pledge"),
    path("statements/", public.statement_list, name="statement_list"),
    path("statements/<slug:slug>/", public.statement_detail, name="statement_detail"),
    path("counterparts/", public.counterpart_list, name="counterpart_list"),
    path(
        "counterparts/<slug:slug>/",
        public.group_detail,
        COUNTERPART_PAGE,
        name="counterpart_detail",
    ),
    path(
        "counterparts/<slug:slug>/feed/",
        public_view(feeds.CounterpartFeed()),
        name="counterpart_feed",
    ),
    path(
        "counterparts/<slug:slug>/feed/json/",
        public_view(feeds.CounterpartJSONFeed()),
        name="counterpart_feed_json",
    ),
    path("counterparts/<slug:slug>/follow/", follow.follow_counterpart, name="follow_counterpart"),
    path("follow/confirm/<str:token>/", follow.confirm, name="follow_confirm"),
    path("follow/unsubscribe/<str:token>/", follow.unsubscribe, name="follow_unsubscribe"),
    path("topics/", public.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", public.group_detail, TOPIC_PAGE, name="topic_detail"),
    path("topics/<slug:slug>/feed/", public_view(feeds.TopicFeed()), name="topic_feed"),
    path(
        "topics/<slug:slug>/feed/json/", public_view(feeds.TopicJSONFeed()), name="topic_feed_json"
    ),
    path("about/", public.about, name="about"),
    path("corrections/", public.correction_list, name="correction_list"),
    path("corrections/feed/", public_view(feeds.CorrectionFeed()), name="correction_feed"),
    path(
        "corrections/feed/json/",
        public_view(feeds.CorrectionJSONFeed()),
        name="correction_feed_json",
    ),
    path("feed/", public_view(feeds.StatusChangeFeed()), name="feed"),
    path("feed/json/", public_view(feeds.StatusChangeJSONFeed()), name="feed_json"),
    path("api/", api.docs, name="api_docs"),
    path("data/", data.data_page, name="data"),
    path("staff/", include((staff_patterns, "staff"))),
    path(
        "accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
)

handler400 = "tracker.errors.bad_request"  # 413 for an oversized form, else Django's 400
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"
