"""DKIM keys per sending domain: what we sign with, and the DNS record that publishes each key."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.crypto import EncryptedTextField


class DkimKey(models.Model):
    """A private key we sign mail from ``domain`` with, published at ``selector._domainkey.domain``.

    The key is kept encrypted in the database, or in a file the operator names (``key_file``). Every
    active key of a domain signs its mail, so an RSA and an Ed25519 key give two signatures."""

    class Algorithm(models.TextChoices):
        RSA = "rsa", _("RSA-SHA256")
        ED25519 = "ed25519", _("Ed25519-SHA256")

    domain = models.CharField(_("domain"), max_length=253, help_text=_("Lower-case sending domain."))
    selector = models.CharField(_("selector"), max_length=63)
    algorithm = models.CharField(_("algorithm"), max_length=8, choices=Algorithm.choices)
    private_key = EncryptedTextField(_("private key"), blank=True)
    key_file = models.CharField(_("key file"), max_length=500, blank=True)
    public_key = models.TextField(_("public key"), help_text=_("The p= value of the DNS record."))
    active = models.BooleanField(_("signs mail"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("DKIM key")
        verbose_name_plural = _("DKIM keys")
        ordering = ["domain", "selector"]
        constraints = [models.UniqueConstraint(fields=["domain", "selector"], name="dkim_key_selector")]

    def __str__(self) -> str:
        return f"{self.selector}._domainkey.{self.domain} ({self.get_algorithm_display()})"

    @property
    def dns_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def dns_record(self) -> str:
        return f"v=DKIM1; k={self.algorithm}; p={self.public_key}"
