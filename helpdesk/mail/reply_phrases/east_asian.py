"""The phrase table's entries for Japanese, Chinese and Korean.
Data only; the fields and the sources are described in ``helpdesk.mail.reply_phrases``.
"""

from __future__ import annotations

from helpdesk.mail.reply_phrases.language import Language

# fmt: off
EAST_ASIAN: dict[str, Language] = {
    "ja": Language(
        wrote=("のメッセージ", "書きました"),
        from_=("差出人", "送信者"),
        date=("送信日時", "日付"),
        to=("宛先",),
        cc=("CC",),
        subject=("件名",),
        original=("元のメッセージ",),
        forwarded=("転送メッセージ",),
        device=("…から送信",),
    ),
    "zh": Language(
        wrote=("写道", "寫道"),
        from_=("发件人", "寄件者", "發件人"),
        date=("发送时间", "日期", "寄件日期", "發送時間"),
        to=("收件人", "收件者"),
        cc=("抄送", "副本"),
        subject=("主题", "主旨", "主題"),
        original=("原始邮件", "原始郵件"),
        forwarded=("转发邮件", "轉寄郵件"),
        device=("发自我的…", "从我的…发送"),
        sign_offs=("此致", "祝好", "谢谢"),
    ),
    "ko": Language(
        wrote=("작성", "님이 작성"),
        from_=("보낸 사람",),
        date=("보낸 날짜",),
        to=("받는 사람",),
        cc=("참조",),
        subject=("제목",),
        original=("원본 메시지",),
        forwarded=("전달된 메시지",),
        device=("나의 …에서 보냄",),
        sign_offs=("감사합니다",),
    ),
}
# fmt: on
