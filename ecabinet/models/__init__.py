"""Every model, imported so Base.metadata knows all tables."""

from ecabinet.models.accounts import LoginSession, Role, User
from ecabinet.models.agenda import AgendaItem
from ecabinet.models.agenda_history import AgendaItemRevision
from ecabinet.models.annotations import Annotation, AnnotationKind
from ecabinet.models.api_tokens import ApiToken
from ecabinet.models.attendance import Attendance
from ecabinet.models.audit import AuditEntry, AuditHead
from ecabinet.models.base import Base
from ecabinet.models.calendar_feeds import CalendarFeed
from ecabinet.models.conclusions import Conclusion, ConclusionItem, ConclusionStatus, DocumentNumber
from ecabinet.models.consultations import (
    Consultation,
    ConsultationAnswer,
    ConsultationMember,
    ConsultationQuestion,
    ConsultationRule,
    ConsultationStatus,
)
from ecabinet.models.documents import (
    Document,
    DocumentPage,
    DocumentReader,
    DocumentVersion,
    VersionStatus,
)
from ecabinet.models.events import MeetingEvent
from ecabinet.models.mail import MailMessage
from ecabinet.models.meetings import (
    InvitedUnit,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
)
from ecabinet.models.minutes import Minutes, MinutesStatus
from ecabinet.models.questions import Question, QuestionSupport
from ecabinet.models.signatures import (
    OfficialPdf,
    OfficialPdfStatus,
    OfficialPdfVersion,
    SignerKey,
    SignerKeyKind,
    TrustRoot,
)
from ecabinet.models.speakers import LiveState, SpeakerRequest
from ecabinet.models.tasks import Task, TaskReport, TaskStatus
from ecabinet.models.units import Unit
from ecabinet.models.voting import Ballot, Poll, PollVoter
from ecabinet.models.webhooks import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "AgendaItem",
    "AgendaItemRevision",
    "Annotation",
    "AnnotationKind",
    "ApiToken",
    "Attendance",
    "AuditEntry",
    "AuditHead",
    "Ballot",
    "Base",
    "CalendarFeed",
    "Conclusion",
    "ConclusionItem",
    "ConclusionStatus",
    "Consultation",
    "ConsultationAnswer",
    "ConsultationMember",
    "ConsultationQuestion",
    "ConsultationRule",
    "ConsultationStatus",
    "DeliveryStatus",
    "Document",
    "DocumentNumber",
    "DocumentPage",
    "DocumentReader",
    "DocumentVersion",
    "InvitedUnit",
    "LiveState",
    "LoginSession",
    "MailMessage",
    "Meeting",
    "MeetingEvent",
    "MeetingStatus",
    "Minutes",
    "MinutesStatus",
    "OfficialPdf",
    "OfficialPdfStatus",
    "OfficialPdfVersion",
    "Participant",
    "ParticipantRole",
    "Poll",
    "PollVoter",
    "Question",
    "QuestionSupport",
    "Role",
    "SignerKey",
    "SignerKeyKind",
    "SpeakerRequest",
    "Task",
    "TaskReport",
    "TaskStatus",
    "TrustRoot",
    "Unit",
    "User",
    "VersionStatus",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
]
