use super::*;

fn complete() -> DiscordSettings {
    DiscordSettings {
        api_base_url: DISCORD_API.to_owned(),
        support_channels: vec![ChannelId::new(10)],
        forum_channels: vec![ChannelId::new(11)],
        dms: false,
        staff_channel: Some(ChannelId::new(12)),
        staff_role: Some(RoleId::new(20)),
        channel_lang: BTreeMap::from([("11".to_owned(), Lang::De)]),
        shard: None,
        catch_up_hours: 24,
        announce_channel: None,
    }
}

fn token() -> Option<String> {
    Some("abc.def".to_owned())
}

#[test]
fn a_complete_table_with_a_token_gives_a_config() {
    let config = DiscordConfig::from_settings(&complete(), token()).expect("valid");
    assert_eq!(config.api_base, ApiBase::Discord);
    assert_eq!(config.token.expose(), "abc.def");
    assert_eq!(config.staff_channel, ChannelId::new(12));
    assert_eq!(
        config.channel_role(ChannelId::new(10)),
        Some(ChannelRole::Support)
    );
    assert_eq!(
        config.channel_role(ChannelId::new(11)),
        Some(ChannelRole::Forum)
    );
    assert_eq!(config.channel_role(ChannelId::new(12)), None);
    assert_eq!(config.lang_of(ChannelId::new(11)), Some(Lang::De));
    assert_eq!(config.lang_of(ChannelId::new(10)), None);
}

#[test]
fn the_token_never_shows_in_debug_output() {
    let config = DiscordConfig::from_settings(&complete(), token()).expect("valid");
    assert!(!format!("{config:?}").contains("abc.def"));
}

#[test]
fn every_problem_is_listed_at_once() {
    let settings = DiscordSettings {
        api_base_url: "ftp://example.org".to_owned(),
        ..DiscordSettings::default()
    };
    let err = DiscordConfig::from_settings(&settings, None).unwrap_err();
    assert_eq!(
        err.0,
        vec![
            Problem::MissingToken,
            Problem::BadBaseUrl("ftp://example.org".to_owned()),
            Problem::MissingStaffChannel,
            Problem::MissingStaffRole,
            Problem::NothingToServe,
        ]
    );
    let message = err.to_string();
    assert!(message.contains("DISCORD_TOKEN is not set"), "{message}");
    assert!(message.contains("discord.staff_role"), "{message}");
}

#[test]
fn a_blank_token_counts_as_missing() {
    let err = DiscordConfig::from_settings(&complete(), Some("  ".to_owned())).unwrap_err();
    assert_eq!(err.0, vec![Problem::MissingToken]);
}

#[test]
fn any_other_http_base_url_is_a_stand_in() {
    let settings = DiscordSettings {
        api_base_url: "http://127.0.0.1:8080".to_owned(),
        ..complete()
    };
    let config = DiscordConfig::from_settings(&settings, token()).expect("valid");
    assert!(matches!(config.api_base, ApiBase::Custom(url) if url.port() == Some(8080)));
    let trailing = DiscordSettings {
        api_base_url: "https://discord.com/".to_owned(),
        ..complete()
    };
    let config = DiscordConfig::from_settings(&trailing, token()).expect("valid");
    assert_eq!(config.api_base, ApiBase::Discord);
}

#[test]
fn a_channel_named_twice_or_a_language_for_a_foreign_channel_is_refused() {
    let settings = DiscordSettings {
        forum_channels: vec![ChannelId::new(10)],
        staff_channel: Some(ChannelId::new(10)),
        channel_lang: BTreeMap::from([
            ("99".to_owned(), Lang::En),
            ("general".to_owned(), Lang::De),
        ]),
        ..complete()
    };
    let err = DiscordConfig::from_settings(&settings, token()).unwrap_err();
    assert_eq!(
        err.0,
        vec![
            Problem::ChannelTwice(ChannelId::new(10)),
            Problem::LangForUnservedChannel(ChannelId::new(99)),
            Problem::BadChannelKey("general".to_owned()),
        ]
    );
}

#[test]
fn dms_alone_are_enough_to_serve() {
    let settings = DiscordSettings {
        support_channels: vec![],
        forum_channels: vec![],
        channel_lang: BTreeMap::new(),
        dms: true,
        ..complete()
    };
    assert!(DiscordConfig::from_settings(&settings, token()).is_ok());
}

#[test]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
fn the_table_reads_ids_as_numbers_or_strings_from_toml() {
    figment::Jail::expect_with(|jail| {
        jail.create_file(
            "x.toml",
            r#"
[discord]
support_channels = [1300000000000000001, "1300000000000000002"]
staff_channel = "1300000000000000003"
staff_role = 1300000000000000004
dms = true
[discord.channel_lang]
"1300000000000000002" = "de"
"#,
        )?;
        let s = crate::cli::settings::Settings::load(Some(std::path::Path::new("x.toml")))
            .expect("valid");
        let d = s.discord;
        assert_eq!(
            d.support_channels,
            vec![
                ChannelId::new(1300000000000000001),
                ChannelId::new(1300000000000000002)
            ]
        );
        assert_eq!(d.staff_role, Some(RoleId::new(1300000000000000004)));
        assert_eq!(d.channel_lang.get("1300000000000000002"), Some(&Lang::De));
        assert_eq!(d.api_base_url, DISCORD_API);
        Ok(())
    });
}

#[test]
fn a_shard_must_lie_within_the_shard_count() {
    let mut settings = complete();
    settings.shard = Some([1, 2]);
    let config = DiscordConfig::from_settings(&settings, token()).expect("valid");
    assert_eq!(config.shard, Some((1, 2)));
    for bad in [[2, 2], [0, 0], [5, 3]] {
        settings.shard = Some(bad);
        let err = DiscordConfig::from_settings(&settings, token()).unwrap_err();
        assert_eq!(err.0, vec![Problem::BadShard(bad[0], bad[1])]);
    }
}
