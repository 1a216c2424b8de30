# Чат клиента: главное меню, запись, мои записи, о нас, язык, мои данные.

menu-book = 📅 Записаться
menu-my-bookings = 🗂 Мои записи
menu-about = ℹ️ О нас и контакты
menu-language = 🌐 Язык
menu-my-data = 🔒 Мои данные
button-back = ‹ Назад
button-menu = ☰ Меню
stale-button = Эта кнопка устарела. Вот главное меню.
cancelled-to-menu = Отменено. Вот главное меню.
hint-use-buttons = Пожалуйста, воспользуйтесь кнопками ниже.
hint-type-phone = Пожалуйста, отправьте номер кнопкой ниже или напишите его.
hint-type-name = Пожалуйста, напишите ваше имя.
hint-type-comment = Пожалуйста, напишите комментарий или воспользуйтесь кнопками ниже.

duration = { $hours ->
    [0] { $minutes } мин
   *[other] { $minutes ->
        [0] { $hours } ч
       *[other] { $hours } ч { $minutes } мин
    }
}
line-address = 📍 { $value }
line-phone = 📞 { $value }
line-email = ✉️ { $value }
line-website = 🌐 { $value }
line-name = 👤 { $value }
line-comment = 💬 { $value }
line-changes-until = ✏️ Отменить или перенести здесь можно до { $value }.
line-changes-late = { $value ->
    [none] ☎️ Изменить запись здесь уже нельзя, свяжитесь с нами.
   *[other] ☎️ Изменить запись здесь уже нельзя, позвоните нам: { $value }
}

booking-pick-service = Выберите услугу:
booking-pick-service-of = Услуги мастера { $staff_name }. Выберите услугу:
booking-no-services = Сейчас записаться не на что. Пожалуйста, загляните позже.
booking-service-item = { $name } · { $duration } · { $price }
booking-service-gone = К сожалению, эта услуга или мастер больше недоступны. Пожалуйста, выберите заново.
booking-service-idle = К сожалению, на услугу «{ $name }» сейчас записаться нельзя.
booking-pick-staff = { $service } ({ $duration }). К кому вас записать?
booking-any-staff = Любой свободный мастер
booking-any-staff-name = любой свободный мастер
booking-staff-off = мастер больше не принимает
booking-staff-gone = К сожалению, этот мастер больше не принимает. Пожалуйста, выберите заново.
booking-pick-day = { $service }, { $staff_name }. Выберите день:
booking-no-days = К сожалению, в ближайшие дни свободного времени нет. Попробуйте другого мастера или загляните позже.
booking-no-days-move = К сожалению, в ближайшие дни нет свободного времени, куда перенести запись. Пожалуйста, загляните позже.
booking-day-full = К сожалению, этот день только что заняли. Пожалуйста, выберите другой.
booking-day-unavailable = К сожалению, на этот день записаться нельзя. Пожалуйста, выберите один из дней в календаре.
booking-pick-time = { $service }, { $staff_name }
    { $day }: { $count ->
        [0] свободного времени не осталось. Нажмите «Назад» и выберите другой день.
        [one] { $count } свободный слот. Выберите время:
        [few] { $count } свободных слота. Выберите время:
        [many] { $count } свободных слотов. Выберите время:
       *[other] { $count } свободного слота. Выберите время:
    }
booking-ask-phone = Как с вами связаться? Нажмите «Отправить мой номер» внизу или напишите номер.
booking-share-phone = 📱 Отправить мой номер
booking-ask-name = Как вас зовут?
booking-ask-comment = Хотите что-то уточнить? Напишите комментарий или продолжите без него.
booking-no-comment = Без комментария
booking-comment-too-long = Пожалуйста, уложитесь в { $limit } символов.
booking-comment-button = 💬 Комментарий
booking-phone-button = 📞 Телефон
booking-confirm =
    Проверьте, пожалуйста, запись:
    { $service } · { $duration }
    Мастер: { $staff_name }
    Когда: { $when }
    Стоимость: { $price }
    { $extra }
booking-confirm-move =
    Перенести запись?
    { $service }, { $staff_name }
    Было: { $old_when }
    Станет: { $when }
booking-move-already-there =
    Ваша запись уже стоит на это время: { $when }.
    { $service }, { $staff_name }
    Нажмите «Назад» и выберите другое время.
booking-confirm-button = ✅ Подтвердить
booking-done =
    ✅ Вы записаны!
    { $service }, { $staff_name }
    { $when }
    { $extra }
    Файл выше добавит визит в ваш календарь. Мы напомним вам о визите.
booking-done-pending =
    📝 Заявка отправлена!
    { $service }, { $staff_name }
    { $when }
    { $extra }
    Мы скоро её подтвердим. Файл выше добавит визит в ваш календарь.
booking-moved =
    ✅ Запись перенесена.
    { $service }, { $staff_name }
    { $when }
    В файле выше — новое время.
booking-ics-summary = Визит в { $business }
booking-ics-caption = Добавьте визит в свой календарь.
booking-call-us = Позвоните нам: { $phone }

client-error-phone-invalid = Это не похоже на номер телефона. Напишите его с кодом страны, например +7 916 123-45-67.
client-error-contact-not-own = Пожалуйста, отправьте свой номер кнопкой ниже, а не чужой контакт.
client-error-name-invalid = Пожалуйста, напишите ваше имя (до 100 символов).
client-error-gone = Ваших данных у нас больше нет.

client-status-pending = ждёт подтверждения
client-status-confirmed = подтверждена
client-status-cancelled = отменена
client-status-completed = состоялась
client-status-no_show = пропущена

my-bookings-upcoming = { $count ->
    [0] У вас нет предстоящих записей.
    [one] У вас { $count } предстоящая запись. Нажмите на неё, чтобы открыть:
    [few] У вас { $count } предстоящие записи. Нажмите на запись, чтобы открыть:
    [many] У вас { $count } предстоящих записей. Нажмите на запись, чтобы открыть:
   *[other] У вас { $count } предстоящей записи. Нажмите на запись, чтобы открыть:
}
my-bookings-past-button = 🕘 Прошлые визиты
my-bookings-past-again = Нажмите на визит, чтобы записаться снова.
my-bookings-detail =
    { $service } · { $duration }
    Мастер: { $staff_name }
    Когда: { $when }
    Стоимость: { $price }
    Статус: { $status }
    { $extra }
my-bookings-reschedule = 🔁 Перенести
my-bookings-cancel = ✖️ Отменить запись
my-bookings-cancel-confirm = Отменить запись «{ $service }» на { $when }?
my-bookings-cancel-yes = Да, отменить
my-bookings-cancel-no = Нет, оставить
my-bookings-cancelled = Запись отменена.
my-bookings-past = { $count ->
    [0] Прошлых визитов пока нет.
   *[other] Ваши прошлые визиты:
        { $lines }
        { $again }
}

about-text =
    { $business }
    { $contacts }
    Часы работы:
    { $hours }
about-day-off = выходной
about-location = 🗺 Показать на карте

language-pick = Выберите язык:
language-ru = Русский
language-en = English
language-changed = Готово: теперь я говорю по-русски.

my-data-text =
    Вот что мы храним о вас:
    Telegram ID: { $telegram_id }
    Имя: { $client_name }
    Телефон: { $phone }
    Язык: { $language }
    С нами с: { $since }
    Записей: всего { $total }, предстоящих { $upcoming }.
    Вы можете удалить свои данные в любой момент.
my-data-unknown = не указано
my-data-erase = 🗑 Удалить мои данные
my-data-erase-confirm = { $upcoming ->
    [0] Удалить ваше имя, телефон и Telegram ID? Это нельзя отменить.
    [one] Удалить ваше имя, телефон и Telegram ID? Ваша { $upcoming } предстоящая запись будет отменена. Это нельзя отменить.
    [few] Удалить ваше имя, телефон и Telegram ID? Ваши { $upcoming } предстоящие записи будут отменены. Это нельзя отменить.
    [many] Удалить ваше имя, телефон и Telegram ID? Ваши { $upcoming } предстоящих записей будут отменены. Это нельзя отменить.
   *[other] Удалить ваше имя, телефон и Telegram ID? Ваши предстоящие записи ({ $upcoming }) будут отменены. Это нельзя отменить.
}
my-data-erase-yes = Да, удалить
my-data-erase-no = Нет, оставить
my-data-erased = { $cancelled ->
    [0] Ваши данные удалены.
    [one] Ваши данные удалены, { $cancelled } запись отменена.
    [few] Ваши данные удалены, { $cancelled } записи отменены.
    [many] Ваши данные удалены, { $cancelled } записей отменено.
   *[other] Ваши данные удалены, отменено записей: { $cancelled }.
} Прошлые визиты остаются в учёте без вашего имени.
