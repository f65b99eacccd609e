"""Written consultations (lấy ý kiến thành viên bằng phiếu): a matter the committee decides
without meeting.

The office prepares the matter and its questions and names the members asked
(`prepare`); the chair approves it, which sends it with a deadline in working days, or
returns it (`approval`); each member answers every question, on time (`replies`); it closes
at its deadline, or once everyone has replied where so set, and each question is tallied
against all members asked (`closing`). `access` says who may do what; `views` what each
person is shown.
"""
