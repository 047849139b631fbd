use std::io::Cursor;

use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

use super::*;

/// A client frame as a browser sends it: masked with `key`.
fn client_frame(opcode: OpCode, fin: bool, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
    let header = FrameHeader {
        is_final: fin,
        opcode,
        mask: Some(key),
        ..FrameHeader::default()
    };
    let mut out = Vec::new();
    header.format(payload.len() as u64, &mut out).unwrap();
    out.extend(payload.iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
    out
}

fn text(payload: &[u8]) -> Vec<u8> {
    client_frame(OpCode::Data(Data::Text), true, payload, [1, 2, 3, 250])
}

/// Feed `bytes` one at a time (as the slowest network would) and collect what came out:
/// messages, pings (as `ping:<payload>`), closes (as `close:<code>`).
fn feed_slowly(incoming: &mut Incoming, bytes: &[u8]) -> Result<Vec<String>, Fail> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for &b in bytes {
        buf.push(b);
        loop {
            let step = incoming.next(&mut buf)?;
            let used = match step {
                Step::Need(n) => {
                    assert!(n > buf.len());
                    break;
                }
                Step::Message(used, m) => {
                    out.push(String::from_utf8_lossy(m).into_owned());
                    incoming.message_done();
                    used
                }
                Step::Ping(used, p) => {
                    out.push(format!("ping:{}", String::from_utf8_lossy(p)));
                    used
                }
                Step::Skip(used) => used,
                Step::Close(code) => {
                    out.push(format!("close:{code:?}"));
                    return Ok(out);
                }
            };
            buf.drain(..used);
        }
    }
    assert!(buf.is_empty(), "bytes left over: {buf:?}");
    Ok(out)
}

#[test]
fn masked_messages_of_every_length_encoding_are_unmasked() {
    for len in [0, 1, 7, 8, 9, 125, 126, 1000, 65535, 65536, 70_001] {
        let payload: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let mut bytes = text(&payload);
        let mut incoming = Incoming::new(1 << 20);
        match incoming.next(&mut bytes).unwrap() {
            Step::Message(used, m) => {
                assert_eq!(m, &payload[..], "len {len}");
                assert_eq!(used, bytes.len());
            }
            other => panic!("len {len}: {other:?}"),
        }
    }
}

#[test]
fn fragments_are_joined_around_control_frames_fed_byte_by_byte() {
    let key = [9, 8, 7, 6];
    let mut bytes = client_frame(OpCode::Data(Data::Text), false, b"{\"id\":", key);
    bytes.extend(client_frame(
        OpCode::Control(Control::Ping),
        true,
        b"hi",
        key,
    ));
    bytes.extend(client_frame(
        OpCode::Data(Data::Continue),
        false,
        b"1,",
        key,
    ));
    bytes.extend(client_frame(OpCode::Control(Control::Pong), true, b"", key));
    bytes.extend(client_frame(
        OpCode::Data(Data::Continue),
        true,
        b"\"method\":\"x\"}",
        key,
    ));
    bytes.extend(client_frame(OpCode::Data(Data::Binary), true, b"[2]", key));
    bytes.extend(client_frame(
        OpCode::Control(Control::Close),
        true,
        &1001u16.to_be_bytes(),
        key,
    ));
    let got = feed_slowly(&mut Incoming::new(1024), &bytes).unwrap();
    assert_eq!(
        got,
        [
            "ping:hi",
            r#"{"id":1,"method":"x"}"#,
            "[2]",
            "close:Some(1001)"
        ]
    );
}

#[test]
fn a_close_without_payload_has_no_code() {
    let bytes = client_frame(OpCode::Control(Control::Close), true, b"", [0; 4]);
    let got = feed_slowly(&mut Incoming::new(1024), &bytes).unwrap();
    assert_eq!(got, ["close:None"]);
}

#[test]
fn oversized_messages_fail_with_1009_before_their_payload_arrives() {
    let mut incoming = Incoming::new(100);
    let mut whole = text(&[b'x'; 101]);
    // The header alone is enough to refuse it.
    let fail = incoming.next(&mut whole[..6]).unwrap_err();
    assert_eq!(fail.status, status::TOO_BIG);
    assert_eq!(fail.size, Some((101, 100)));
    // Fragments count together.
    let key = [1; 4];
    let mut bytes = client_frame(OpCode::Data(Data::Text), false, &[b'x'; 60], key);
    bytes.extend(client_frame(
        OpCode::Data(Data::Continue),
        true,
        &[b'y'; 60],
        key,
    ));
    let fail = feed_slowly(&mut Incoming::new(100), &bytes).unwrap_err();
    assert_eq!(
        (fail.status, fail.size),
        (status::TOO_BIG, Some((120, 100)))
    );
    // Exactly the limit is accepted.
    let got = feed_slowly(&mut Incoming::new(101), &whole).unwrap();
    assert_eq!(got, ["x".repeat(101)]);
}

#[test]
fn protocol_violations_fail_with_1002_and_bad_text_with_1007() {
    let key = [5; 4];
    let unmasked = {
        let mut out = Vec::new();
        FrameHeader {
            opcode: OpCode::Data(Data::Text),
            ..FrameHeader::default()
        }
        .format(2, &mut out)
        .unwrap();
        out.extend_from_slice(b"{}");
        out
    };
    let mut rsv = text(b"{}");
    rsv[0] |= 0x40;
    let mut continuation_first = client_frame(OpCode::Data(Data::Continue), true, b"x", key);
    let mut nested = client_frame(OpCode::Data(Data::Text), false, b"[", key);
    nested.extend(client_frame(OpCode::Data(Data::Text), true, b"]", key));
    let mut long_ping = client_frame(OpCode::Control(Control::Ping), true, &[0; 126], key);
    let mut split_ping = client_frame(OpCode::Control(Control::Ping), false, b"", key);
    let mut short_close = client_frame(OpCode::Control(Control::Close), true, b"x", key);
    let mut reserved = text(b"{}");
    reserved[0] = 0x83;
    for (name, bytes) in [
        ("unmasked", &mut unmasked.clone()),
        ("rsv", &mut rsv),
        ("continuation first", &mut continuation_first),
        ("nested", &mut nested),
        ("long ping", &mut long_ping),
        ("fragmented ping", &mut split_ping),
        ("1-byte close", &mut short_close),
        ("reserved opcode", &mut reserved),
    ] {
        let fail = feed_slowly(&mut Incoming::new(1024), bytes).unwrap_err();
        assert_eq!(fail.status, status::PROTOCOL_ERROR, "{name}: {fail:?}");
    }
    let fail = feed_slowly(&mut Incoming::new(1024), &text(&[0xff, 0xfe])).unwrap_err();
    assert_eq!(fail.status, status::INVALID_DATA);
    // Binary frames are not checked: the core answers a parse error, as on TCP.
    let binary = client_frame(OpCode::Data(Data::Binary), true, &[0xff, 0xfe], key);
    assert_eq!(
        feed_slowly(&mut Incoming::new(1024), &binary)
            .unwrap()
            .len(),
        1
    );
}

/// Parse server frames back with tungstenite's parser.
fn parse_server_frames(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let mut cursor = Cursor::new(bytes);
        let (header, len) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
        assert!(header.is_final && header.mask.is_none());
        assert_eq!(header.opcode, OpCode::Data(Data::Text));
        let start = cursor.position() as usize;
        let end = start + len as usize;
        out.push(bytes[start..end].to_vec());
        bytes = &bytes[end..];
    }
    out
}

#[test]
fn outbox_messages_become_text_frames_in_place_and_long_ones_by_copy() {
    let lengths = [0, 5, 125, 126, 300, 65535, 3, 65536, 10, 200_000, 1];
    let messages: Vec<Vec<u8>> = lengths
        .iter()
        .enumerate()
        .map(|(i, &len)| vec![b'0' + i as u8; len])
        .collect();
    // Without a long message, and then with them.
    for count in [7, messages.len()] {
        let ob = crate::outbox::Outbox::new(1 << 30);
        for m in &messages[..count] {
            assert!(ob.push(m));
        }
        let mut buf = Vec::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(ob.take(&mut buf)).unwrap();
        to_ws_frames(&mut buf);
        assert_eq!(parse_server_frames(&buf), &messages[..count]);
    }
}

#[test]
fn control_frames_parse_back() {
    let parse = |bytes: &[u8]| {
        let mut cursor = Cursor::new(bytes);
        let (header, len) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
        let start = cursor.position() as usize;
        assert_eq!(start + len as usize, bytes.len());
        (header.opcode, bytes[start..].to_vec())
    };
    assert_eq!(parse(&PING_FRAME), (OpCode::Control(Control::Ping), vec![]));
    assert_eq!(
        parse(&pong_frame(b"abc")),
        (OpCode::Control(Control::Pong), b"abc".to_vec())
    );
    assert_eq!(
        parse(&close_frame(Some(status::TOO_BIG))),
        (OpCode::Control(Control::Close), vec![0x03, 0xf1])
    );
    assert_eq!(
        parse(&close_frame(None)),
        (OpCode::Control(Control::Close), vec![])
    );
}
