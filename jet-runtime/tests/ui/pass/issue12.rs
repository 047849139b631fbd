//! Issue 12: methods of nested nodes (reached through the nested client), raw identifiers
//! (served without `r#`), and results that are aliases (`io::Result<T>`, a crate's own
//! `type Result<T>`) or carry foreign errors (`Box<dyn Error + Send + Sync>`).
use jet_runtime::prelude::*;

mod app {
    pub type Result<T> = std::result::Result<T, String>;
}

#[derive(Node)]
pub struct Outer {
    #[jet(node)]
    r#inner: Inner,
    r#type: u8,
}

#[derive(Node)]
pub struct Inner {
    level: u8,
}

#[jet_runtime::methods]
impl Inner {
    pub fn r#match(&mut self, r#in: u8) -> std::io::Result<u8> {
        self.level = r#in;
        Ok(self.level)
    }

    pub async fn alias(&self) -> app::Result<u8> {
        Ok(self.level)
    }

    pub fn boxed(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }
}

#[allow(dead_code)]
async fn client_fns(client: OuterClient) -> Result<(), TypedError> {
    let inner: InnerClient = client.r#inner();
    let _: u8 = inner.r#match(3).await?;
    let _: u8 = inner.alias().await?;
    inner.boxed().await?;
    client.set_type(1).await?;
    Ok(())
}

fn main() {
    let schemas = Outer::schemas();
    let paths: Vec<&str> = schemas.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["inner/level", "type", "inner/match", "inner/alias", "inner/boxed"]
    );
    assert_eq!(
        schemas.get("inner/match").unwrap()["params"]["x-positional"],
        serde_json::json!(["in"])
    );
}
