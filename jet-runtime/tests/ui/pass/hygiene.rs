//! The generated code names everything by absolute path: it compiles in a module without
//! the prelude, with nothing imported.
#![no_implicit_prelude]

mod service {
    #[derive(::jet_runtime::Node)]
    pub struct Thing {
        #[jet(validate = "Self::check")]
        level: u8,
        #[jet(read_only)]
        name: ::std::string::String,
        #[jet(node)]
        inner: Inner,
    }

    #[derive(::jet_runtime::Node)]
    pub struct Inner {
        on: bool,
    }

    #[derive(Debug, ::jet_runtime::JetError)]
    #[jet(code = 1000)]
    pub enum ThingError {
        Off,
        #[jet(message = "at {level}")]
        Level {
            level: u8,
        },
        Pair(u8, ::std::string::String),
        #[jet(code = 1001)]
        One(bool),
    }

    impl Thing {
        fn check(_: &u8) -> ::std::result::Result<(), ::std::string::String> {
            ::std::result::Result::Ok(())
        }
    }

    #[::jet_runtime::methods]
    impl Thing {
        pub fn current_level(&self) -> u8 {
            self.level
        }

        pub fn poke(&self, ctx: &::jet_runtime::Context<Self>) {
            ctx.changed();
        }

        pub async fn rename(
            &mut self,
            name: ::std::string::String,
            force: ::std::option::Option<bool>,
        ) -> ::std::result::Result<(), ::std::string::String> {
            let _ = force;
            self.name = name;
            ::std::result::Result::Ok(())
        }

        pub fn fail(&self) -> ::std::result::Result<u8, ThingError> {
            ::std::result::Result::Err(ThingError::Off)
        }
    }
}

fn main() {
    let _ = <service::Thing as ::jet_runtime::typed::Node>::states;
    let _ = service::ThingClient::rename;
    let _ = service::ThingClient::poke;
    let _ = service::ThingClient::inner;
    let _ = service::ThingClient::fail;
}
