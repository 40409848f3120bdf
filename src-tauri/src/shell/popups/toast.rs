//! Windows popups: the core's popup orders as toasts that act.
//!
//! notify-rust's Windows backend shows a toast but reports no click and no
//! button, and tauri-winrt-notification (which it wraps) has buttons but no
//! protocol activation and no tag, so the toast is written here as XML
//! and shown with the `windows` crate (`XmlDocument`, `ToastNotification`,
//! `ToastNotificationManager`).
//!
//! Every click is a `urutibiz:` link (`activationType="protocol"`): the OS
//! launches it, a new process hands it to the running app through the
//! single instance (or becomes the app, if none runs), and the core acts
//! on it if it carries the token it issued for this popup
//! ([`urutibiz_desktop_core::popup_acts`]). That is the one way a click
//! still works from the Action Center, after the app restarted, or after
//! the idle relaunch; an in-process `Activated` handler would not.
//!
//! - The body opens the window at what the popup is about; a booking
//!   request has Confirm and Decline, a message Reply, and "Open in
//!   browser" where a website is configured: the same buttons as on Linux.
//! - A booking's later news replaces its toast in place (tag = the
//!   booking, group [`BOOKING_GROUP`]).
//! - A request to answer or a critical change (a cancellation) stays on
//!   screen until the person acts (`scenario="reminder"`); a low one is
//!   short.
//! - The toast is silent: the app plays its own sounds (mute, per-kind
//!   sounds and quiet hours are the core's).
//!
//! The XML is built on every OS so the unit tests below check it here.

use quick_xml::events::BytesText;
use quick_xml::Writer;
use urutibiz_desktop_core::alert_text::Urgency;
use urutibiz_desktop_core::machine::{PopupChoice, PopupOrder};

/// The group of toasts about a booking (the tag names the booking).
pub const BOOKING_GROUP: &str = "booking";

/// Windows refuses a tag or group longer than this.
const TAG_MAX: usize = 64;

/// A toast ready for Windows: its XML, and the tag and group that make it
/// replace its booking's earlier toast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub xml: String,
    pub tag: Option<(String, &'static str)>,
}

/// Text as a toast may carry it: XML 1.0 allows no control characters but
/// tab and line breaks (`LoadXml` would refuse the whole toast).
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect()
}

/// The toast for a popup order; `has_site`: a website is configured for
/// "Open in browser".
pub fn build(order: &PopupOrder, has_site: bool) -> Toast {
    let target = &order.target;
    let buttons = target.buttons(has_site);
    // A reminder stays until the person acts, and needs a button to be one.
    let stays = (target.answer.is_some() || order.alert.urgency == Urgency::Critical) && !buttons.is_empty();
    let launch = order.link(PopupChoice::Open).to_string();
    let mut toast = vec![("launch", launch.as_str()), ("activationType", "protocol")];
    if stays {
        toast.push(("scenario", "reminder"));
    } else if order.alert.urgency == Urgency::Low {
        toast.push(("duration", "short"));
    }
    let links: Vec<(PopupChoice, String)> =
        buttons.into_iter().map(|choice| (choice, order.link(choice).to_string())).collect();
    let (title, body) = (printable(&order.alert.title), printable(&order.alert.body));
    let mut writer = Writer::new(Vec::new());
    // Writing to a Vec cannot fail.
    let written = writer.create_element("toast").with_attributes(toast).write_inner_content(|w| {
        w.create_element("visual").write_inner_content(|w| {
            w.create_element("binding").with_attribute(("template", "ToastGeneric")).write_inner_content(
                |w| {
                    w.create_element("text").write_text_content(BytesText::new(&title))?;
                    if !body.is_empty() {
                        w.create_element("text").write_text_content(BytesText::new(&body))?;
                    }
                    Ok(())
                },
            )?;
            Ok(())
        })?;
        w.create_element("audio").with_attribute(("silent", "true")).write_empty()?;
        if !links.is_empty() {
            w.create_element("actions").write_inner_content(|w| {
                for (choice, link) in &links {
                    w.create_element("action")
                        .with_attributes([
                            ("content", choice.label()),
                            ("arguments", link.as_str()),
                            ("activationType", "protocol"),
                        ])
                        .write_empty()?;
                }
                Ok(())
            })?;
        }
        Ok(())
    });
    debug_assert!(written.is_ok());
    let xml = String::from_utf8(writer.into_inner()).unwrap_or_default();
    let tag = target.booking.as_deref().filter(|b| b.len() <= TAG_MAX).map(|b| (b.to_owned(), BOOKING_GROUP));
    Toast { xml, tag }
}

/// Windows: the app's AppUserModelID for this process, so its toasts and
/// taskbar button carry the app's name and icon. The installer gives the
/// Start menu shortcut the same id (Tauri's NSIS template sets it to the
/// bundle identifier); without such a shortcut (an .exe copied by hand)
/// Windows may drop the toasts silently.
#[cfg(windows)]
pub fn claim_app_id(app_id: &str) {
    use windows::core::HSTRING;
    // SAFETY: a plain Win32 call taking a string it copies.
    let set =
        unsafe { windows::Win32::UI::Shell::SetCurrentProcessExplicitAppUserModelID(&HSTRING::from(app_id)) };
    if let Err(e) = set {
        tracing::warn!(error = %e, "could not set the app's AppUserModelID");
    }
}

/// Windows: shows a toast as the app `app_id`.
#[cfg(windows)]
pub fn show(toast: &Toast, app_id: &str) -> windows::core::Result<()> {
    use windows::core::HSTRING;
    use windows::Data::Xml::Dom::XmlDocument;
    use windows::UI::Notifications::{ToastNotification, ToastNotificationManager};
    let document = XmlDocument::new()?;
    document.LoadXml(&HSTRING::from(toast.xml.as_str()))?;
    let notification = ToastNotification::CreateToastNotification(&document)?;
    if let Some((tag, group)) = &toast.tag {
        notification.SetTag(&HSTRING::from(tag.as_str()))?;
        notification.SetGroup(&HSTRING::from(*group))?;
    }
    ToastNotificationManager::CreateToastNotifierWithId(&HSTRING::from(app_id))?.Show(&notification)
}

#[cfg(test)]
mod tests {
    use super::*;
    use urutibiz_desktop_core::alert_text::Alert;
    use urutibiz_desktop_core::booking_answers::{Answerable, Decision};
    use urutibiz_desktop_core::machine::PopupTarget;
    use urutibiz_desktop_core::web_page::Page;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn order(title: &str, urgency: Urgency, target: PopupTarget) -> PopupOrder {
        let alert =
            Alert { title: title.into(), body: "Jean requested Camera.".into(), urgency, sound: "booking" };
        PopupOrder { alert, target, token: TOKEN.into() }
    }

    fn request() -> PopupOrder {
        order(
            "Booking requested — Camera (Jean)",
            Urgency::Normal,
            PopupTarget {
                focus: Some("n1".into()),
                booking: Some("b-1".into()),
                answer: Some(Answerable { booking_id: "b-1".into(), label: "Camera".into() }),
                web: Some(Page::Booking("b-1".into())),
                read: Some("n1".into()),
            },
        )
    }

    #[test]
    fn a_booking_request_s_toast_confirms_and_declines_by_links_with_its_token() {
        let toast = build(&request(), true);
        let link = |act: &str| format!("urutibiz://booking/b-1?popup={TOKEN}&amp;act={act}");
        assert_eq!(
            toast.xml,
            format!(
                "<toast launch=\"{open}\" activationType=\"protocol\" scenario=\"reminder\">\
                 <visual><binding template=\"ToastGeneric\">\
                 <text>Booking requested — Camera (Jean)</text><text>Jean requested Camera.</text>\
                 </binding></visual>\
                 <audio silent=\"true\"/>\
                 <actions>\
                 <action content=\"Confirm\" arguments=\"{confirm}\" activationType=\"protocol\"/>\
                 <action content=\"Decline\" arguments=\"{decline}\" activationType=\"protocol\"/>\
                 <action content=\"Open in browser\" arguments=\"{web}\" activationType=\"protocol\"/>\
                 </actions></toast>",
                open = link("open"),
                confirm = link("confirm"),
                decline = link("decline"),
                web = link("web"),
            )
        );
        assert_eq!(toast.tag, Some(("b-1".into(), "booking")), "replaces the booking's earlier toast");
    }

    #[test]
    fn each_button_s_link_reads_back_as_that_click() {
        let toast = build(&request(), true);
        let arguments: Vec<String> = toast
            .xml
            .split("arguments=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().replace("&amp;", "&"))
            .collect();
        let choices: Vec<PopupChoice> = arguments
            .iter()
            .map(|link| {
                let link = urutibiz_desktop_core::deep_link::parse(link).unwrap();
                let click = link.click.unwrap();
                assert_eq!(click.token, TOKEN);
                click.choice
            })
            .collect();
        assert_eq!(
            choices,
            [
                PopupChoice::Decide(Decision::Confirm),
                PopupChoice::Decide(Decision::Decline),
                PopupChoice::OpenOnWeb
            ]
        );
    }

    #[test]
    fn a_message_replies_and_a_plain_notice_only_opens() {
        let chat = PopupTarget {
            focus: Some("chat:dm-1".into()),
            read: Some("n2".into()),
            ..PopupTarget::default()
        };
        let toast = build(&order("Message from Jean", Urgency::Normal, chat), false);
        assert!(toast.xml.contains(&format!(
            "<action content=\"Reply\" arguments=\"urutibiz://chat/dm-1?popup={TOKEN}&amp;act=reply\""
        )));
        assert!(!toast.xml.contains("scenario"), "{}", toast.xml);
        assert_eq!(toast.tag, None);

        let notice = build(&order("Signed out of UrutiBiz", Urgency::Low, PopupTarget::default()), true);
        assert!(!notice.xml.contains("<actions>"), "nothing to press: {}", notice.xml);
        assert!(notice.xml.starts_with(&format!(
            "<toast launch=\"urutibiz://notifications?popup={TOKEN}&amp;act=open\" activationType=\"protocol\" duration=\"short\">"
        )));
    }

    #[test]
    fn a_cancellation_stays_on_screen_and_the_site_button_needs_a_site() {
        let cancelled = PopupTarget {
            booking: Some("b-1".into()),
            web: Some(Page::Booking("b-1".into())),
            ..PopupTarget::default()
        };
        let with_site =
            build(&order("Booking cancelled — Camera", Urgency::Critical, cancelled.clone()), true);
        assert!(with_site.xml.contains("scenario=\"reminder\""));
        let without = build(&order("Booking cancelled — Camera", Urgency::Critical, cancelled), false);
        assert!(!without.xml.contains("scenario"), "a reminder with no button is not one: {}", without.xml);
    }

    #[test]
    fn other_people_s_words_stay_text() {
        let mut hostile = request();
        hostile.alert.title = "<b>Free</b> & \"cheap\" <![CDATA[x]]>\u{7}\u{0}".into();
        hostile.alert.body = "line one\nline two</text><action content=\"Confirm\"/>".into();
        let toast = build(&hostile, false);
        assert!(
            toast.xml.contains(
                "<text>&lt;b&gt;Free&lt;/b&gt; &amp; &quot;cheap&quot; &lt;![CDATA[x]]&gt;</text>\
             <text>line one\nline two&lt;/text&gt;&lt;action content=&quot;Confirm&quot;/&gt;</text>"
            ),
            "{}",
            toast.xml
        );
        assert_eq!(toast.xml.matches("<action ").count(), 2, "only the request's own buttons");
    }

    #[test]
    fn a_booking_id_too_long_for_a_tag_goes_untagged() {
        let mut long = request();
        long.target.booking = Some("b".repeat(TAG_MAX + 1));
        assert_eq!(build(&long, false).tag, None);
    }
}
