fn main() {
    println!("jetd: not yet");
}
