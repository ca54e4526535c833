"""The AsyncAPI 3.0 document of the bus, built from the message models (what integrators read)."""

from __future__ import annotations

import re
from typing import Any

from pydantic.json_schema import (
    CoreModeRef,
    CoreRef,
    DefsRef,
    GenerateJsonSchema,
    JsonSchemaValue,
    models_json_schema,
)
from pydantic_core.core_schema import TaggedUnionSchema

from actkit_proto.base import Command, Message
from actkit_proto.catalog import messages
from actkit_proto.services import SERVICES

VERSION = "0.1.0"
SCHEMAS = "#/components/schemas/{model}"


class _OwnersNames(GenerateJsonSchema):
    """Names a schema after the owner's package, not the module inside it the model lives in.

    Two models of one name (accounts' and system's ``Identity``) are told apart by their owner
    (``actkit_proto__accounts__Identity``); where in ``actkit_proto.accounts`` the model is
    declared is not part of what integrators read.
    """

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        core_ref, mode = core_mode_ref
        public = re.sub(r"^(actkit_proto\.\w+)\.\w+\.(?=\w+:)", r"\1.", core_ref)
        return super().get_defs_ref((CoreRef(public), mode))

    def tagged_union_schema(self, schema: TaggedUnionSchema) -> JsonSchemaValue:
        """A union's discriminator as AsyncAPI 3 wants it: the property's name.

        The models keep OpenAPI's object (``propertyName`` and ``mapping``), which the REST
        document shows; AsyncAPI 3's Schema Object takes only the name.
        """
        generated = super().tagged_union_schema(schema)
        generated["discriminator"] = generated["discriminator"]["propertyName"]
        return generated


def _channel_id(cls: type[Message]) -> str:
    words = re.split(r"[.{}_]+", cls.subject)
    return "".join(word[:1].upper() + word[1:] for word in words if word) or cls.__name__


def _summary(cls: type[Message]) -> str:
    return (cls.__doc__ or cls.__name__).strip().splitlines()[0]


def _lent(cls: type[Message]) -> str:
    if cls.is_lent_to_integrators():
        return "Lent to the integrator user (docs/bus.md)."
    return "Not lent to the integrator user."


def document() -> dict[str, Any]:
    """The whole AsyncAPI document as plain data."""
    catalog = messages()
    models: list[type[Message]] = list(catalog)
    models += [cls.reply_type for cls in catalog if issubclass(cls, Command)]
    refs, schema = models_json_schema(
        [(model, "serialization") for model in dict.fromkeys(models)],
        ref_template=SCHEMAS,
        schema_generator=_OwnersNames,
    )
    # Two models of one name of two owners (accounts' and system's Identity) get their owner in
    # their schema's name; their messages take that name, so neither hides the other.
    name = {model: refs[model, "serialization"]["$ref"].rpartition("/")[2] for model, _ in refs}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    component_messages: dict[str, Any] = {}
    for cls in catalog:
        channel = _channel_id(cls)
        message = name[cls]
        component_messages[message] = {
            "name": message,
            "title": cls.__name__,
            "summary": _summary(cls),
            "payload": {"$ref": SCHEMAS.format(model=message)},
        }
        channels[channel] = {
            "address": cls.subject,
            "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        }
        parameters = {
            name: {"description": f"The {name.replace('_', ' ')} (also in the payload)."}
            for name in cls.subject_fields()
        }
        if parameters:
            channels[channel]["parameters"] = parameters
        notes: list[str] = []
        operation: dict[str, Any] = {
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{message}"}],
            "summary": _summary(cls),
            "tags": [{"name": cls.owner()}],
        }
        if issubclass(cls, Command):
            reply = name[cls.reply_type]
            component_messages.setdefault(
                reply,
                {
                    "name": reply,
                    "title": cls.reply_type.__name__,
                    "payload": {"$ref": SCHEMAS.format(model=reply)},
                },
            )
            channels[f"{channel}Reply"] = {
                "address": None,
                "description": "The requester's inbox; errors carry Nats-Service-Error(-Code).",
                "messages": {reply: {"$ref": f"#/components/messages/{reply}"}},
            }
            operation["action"] = "receive"
            notes.append(
                f"Request/reply, served as a nats.micro endpoint; needs role "
                f"{cls.required_role.name.lower()} when sent on behalf of a person."
            )
            operation["reply"] = {
                "channel": {"$ref": f"#/channels/{channel}Reply"},
                "messages": [{"$ref": f"#/channels/{channel}Reply/messages/{reply}"}],
            }
        else:
            operation["action"] = "send"
            if getattr(cls, "stateful", False):
                notes.append(
                    "Stateful: the last value is kept in the JetStream KV bucket "
                    "actkit-state under the subject as key."
                )
        notes.append(_lent(cls))
        operation["description"] = " ".join(notes)
        operations[f"{cls.owner()}{channel}"] = operation
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "actkit bus",
            "version": VERSION,
            "description": (
                "Subjects of the actkit services on NATS. Commands are request/reply "
                "(nats.micro: $SRV.PING/INFO/STATS answer for every service); events are "
                "published in the past tense. JSON payloads; ids in the subject win. "
                "The integrator user sees what is lent to it and acts as an operator "
                "(docs/bus.md)."
            ),
            "tags": [{"name": info.name, "description": info.summary} for info in SERVICES],
        },
        "defaultContentType": "application/json",
        "servers": {
            "board": {
                "host": "localhost:4222",
                "protocol": "nats",
                "description": "The device bus.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schema.get("$defs", {}), "messages": component_messages},
    }
