"""The playground's Block Kit → HTML (pure): nothing a person typed becomes markup; Slack's mentions, links and
dates read as Slack shows them; every block and element the bot sends is drawn."""

from __future__ import annotations

import html
import json
import re

from bot.domain.approval import ApprovalPolicy
from bot.domain.batch import BatchFacts, BatchView, ItemOutcome
from bot.domain.request import ErasureRequest, State
from bot.domain.target import TargetKind
from bot.playground.page import PAGE
from bot.playground.render import blocks_html, mrkdwn, view_html
from bot.render import batches, home, notes, refusals, reports, requests
from bot.render.blocks import escape

NAMES = {"U0DANA": "Dana", "U0LEE": "Lee", "S0PRIVACY": "privacy-approvers"}
REQUEST = ErasureRequest(
    id="ER-7K2M9QXA", state=State.PENDING, identifier="+14255552671", masked="+1 ••• ••• 2671",
    display="+1 425-555-2671", country="US", number_valid=False, reason="DSR-1 <b>x</b> & <script>alert(1)</script>",
    requester="U0DANA", channel="C1", created_at=1_800_000_000.0, expires_at=1_800_086_400.0, required_approvals=1,
)  # fmt: skip
POLICY = ApprovalPolicy(users=frozenset({"U0LEE"}), groups=frozenset({"S0PRIVACY"}))


def tags(markup: str) -> set[str]:
    return set(re.findall(r"<\s*([a-zA-Z0-9]+)", markup))


def test_text_a_person_typed_is_escaped_even_after_slack_escaped_it() -> None:
    """`<script>` typed into a reason arrives as Slack's `&lt;script&gt;` and is shown, never run."""
    rendered = mrkdwn(escape("<script>alert(1)</script> & <img src=x onerror=alert(1)>"), NAMES)
    assert "<script" not in rendered and "<img" not in rendered and "&lt;script&gt;" in rendered
    assert "&amp;" in rendered
    raw = mrkdwn("<script>alert(1)</script>", NAMES)  # not even Slack's escaping: still nothing runs
    assert "<script" not in raw


def test_mentions_groups_links_and_dates_read_as_slack_shows_them() -> None:
    """`<@U…>` a name, `<!subteam^S…>` the group's handle, `<url|label>` a safe link, `<!date…|x>` its fallback."""
    rendered = mrkdwn("<@U0LEE> and <!subteam^S0PRIVACY> see <https://x.example/a?b=1&amp;c=2|the ticket> "
                      "by <!date^1800000000^{date_short_pretty}|Jan 15, 2027>", NAMES)  # fmt: skip
    assert '<span class="mention">@Lee</span>' in rendered and "@privacy-approvers" in rendered
    assert (
        '<a href="https://x.example/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the ticket</a>' in rendered
    )
    assert "Jan 15, 2027" in rendered and "date^" not in rendered
    assert "href" not in mrkdwn("<javascript:alert(1)|click>", NAMES)  # only http(s) and mailto become links


def test_bold_code_italics_and_line_breaks() -> None:
    """The mrkdwn the bot writes: *bold*, `code`, _italics_, newlines; emoji codes the bot uses become emoji."""
    rendered = mrkdwn("*Reason:* `ER-1`\n_none given_ :white_check_mark:", NAMES)
    assert rendered == "<b>Reason:</b> <code>ER-1</code><br><i>none given</i> ✅"


def test_every_message_the_bot_sends_draws_with_its_buttons_and_confirm_dialog() -> None:
    """Confirmation, approval message (fields, context, actions with styles and the confirm), thread note, usage,
    refusals, reports, the Home tab and the bulk modal: every block type, no unknown block, no raw markup."""
    messages = [
        requests.confirmation(REQUEST),
        requests.approval_message(REQUEST, POLICY, 1_800_000_100.0),
        notes.thread_note(REQUEST),
        requests.usage(),
        refusals.refusal("No <b>way</b>"),
        reports.status(REQUEST, []),
        reports.overview([REQUEST], [REQUEST]),
    ]
    for _, blocks in messages:
        rendered = blocks_html(blocks, NAMES)
        assert "unknown" not in rendered and "<script" not in rendered and "<b>x</b>" not in rendered
    _, approval = requests.approval_message(REQUEST, POLICY, 1_800_000_100.0)
    rendered = blocks_html(approval, NAMES)
    assert {"div", "button", "span"} <= tags(rendered)
    approve = re.search(r'<button[^>]*data-action-id="erase_approve"[^>]*>', rendered)
    assert approve is not None and 'class="block-button primary"' in approve.group(0)
    assert 'data-value="ER-7K2M9QXA"' in approve.group(0) and 'data-testid="block-button"' in approve.group(0)
    dialog = json.loads(html.unescape(re.search(r'data-confirm="([^"]*)"', approve.group(0)).group(1)))  # type: ignore[union-attr]
    assert "Erase this person" in dialog["title"] and "cannot be undone" in dialog["text"]
    assert 'class="block-button danger"' in rendered and "@privacy-approvers" in rendered
    assert "&lt;script&gt;" in rendered
    view = home.home_view("U0LEE", [REQUEST], [REQUEST], policy=POLICY, now=1_800_000_100.0)
    assert 'data-action-id="erase_reject"' in view_html(view, NAMES)
    divided = blocks_html([{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": "<h>"}}],
                          NAMES)  # fmt: skip
    assert divided == '<hr class="block divider"><div class="block header">&lt;h&gt;</div>'


def test_the_bulk_modal_draws_its_inputs_and_shows_an_error_beside_its_field() -> None:
    """A multi-line box with Slack's limit, a file input for csv and txt, the required reason; errors beside."""
    rendered = view_html(batches.modal("C1"), NAMES, {"bulk_identifiers": "Paste <them>"})
    assert '<textarea data-block-id="bulk_identifiers" data-action-id="identifiers"' in rendered
    assert 'maxlength="3000"' in rendered and 'accept=".csv,.txt"' in rendered and 'type="file"' in rendered
    assert 'data-block-id="bulk_reason" data-action-id="reason"' in rendered
    assert '<div class="field-error" data-testid="field-error">Paste &lt;them&gt;</div>' in rendered


def test_a_batch_approval_message_draws_its_progress() -> None:
    """The batch's bar and counts, and its buttons."""
    batch = ErasureRequest(id="EB-7K2M9QXA", state=State.APPROVED, kind=TargetKind.BATCH, identifier=None,
                           masked="3 identifiers", display=None, country="", number_valid=True, reason="DSR-1",
                           requester="U0DANA", channel="C1", created_at=1.0, expires_at=2.0, required_approvals=1,
                           approvals=("U0LEE",))  # fmt: skip
    counts = dict.fromkeys(ItemOutcome, 0) | {ItemOutcome.ACCEPTED: 1, ItemOutcome.WAITING: 2}
    view = BatchView(batch, BatchFacts(batch.id, phones=3), counts, ("+1 ••• ••• 2671",), (), 3.0, 1.0)
    rendered = blocks_html(batches.approval_message(view, POLICY)[1], NAMES)
    assert "▰" in rendered and "1 done · 0 failed · 2 waiting" in rendered and "@Lee" in rendered


def test_the_page_loads_nothing_from_elsewhere_and_needs_no_build() -> None:
    """No CDN, no external script, style, font or image: the page works offline, as served."""
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", PAGE)
    assert "@import" not in PAGE and "<script src" not in PAGE and "<link" not in PAGE
    for hook in ("user-select", "composer", "confirm-ok", "gong-fault", "home-tab"):
        assert f'data-testid="{hook}"' in PAGE
